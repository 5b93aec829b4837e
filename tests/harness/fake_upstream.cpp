#include "harness/fake_upstream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace gatehouse::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct FakeUpstream::Impl {
  explicit Impl(Handler h) : handler(std::move(h)) {}
  void serve();
  template <class Stream>
  void answer(Stream& stream);
  bool stopping() {
    std::lock_guard lock(mutex);
    return stop;
  }

  Handler handler;
  std::optional<ssl::context> tls;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::mutex mutex;
  std::vector<SeenRequest> requests;
  bool stop = false;
  std::atomic<bool> concurrent{false};
  std::thread thread;
  std::vector<std::thread> workers;  // with `concurrent`: one per connection
};

FakeUpstream::FakeUpstream(Handler handler) : impl_(std::make_unique<Impl>(std::move(handler))) {
  impl_->thread = std::thread([this] { impl_->serve(); });
}

FakeUpstream::FakeUpstream(Handler handler, const TlsIdentity& identity)
    : impl_(std::make_unique<Impl>(std::move(handler))) {
  impl_->tls.emplace(ssl::context::tls_server);
  impl_->tls->use_certificate_chain(asio::buffer(identity.certificate_pem));
  impl_->tls->use_private_key(asio::buffer(identity.private_key_pem), ssl::context::pem);
  impl_->thread = std::thread([this] { impl_->serve(); });
}

FakeUpstream::~FakeUpstream() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop = true;
  }
  // A blocked accept() does not notice a close from another thread: knock instead.
  asio::io_context ioc;
  tcp::socket knock(ioc);
  beast::error_code ec;
  knock.connect(impl_->acceptor.local_endpoint(), ec);
  impl_->thread.join();
  for (std::thread& worker : impl_->workers) worker.join();
}

void FakeUpstream::answer_concurrently() { impl_->concurrent = true; }

uint16_t FakeUpstream::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string FakeUpstream::url(const std::string& path) const {
  return (impl_->tls ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port()) +
         path;
}

std::vector<SeenRequest> FakeUpstream::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

void FakeUpstream::Impl::serve() {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket(ioc);
    acceptor.accept(socket, ec);
    if (stopping()) return;
    if (ec) continue;
    if (!tls && concurrent) {
      workers.emplace_back([this, socket = std::move(socket)]() mutable {
        answer(socket);
        beast::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
      });
      continue;
    }
    if (!tls) {
      answer(socket);
      socket.shutdown(tcp::socket::shutdown_both, ec);
      continue;
    }
    ssl::stream<tcp::socket> stream(std::move(socket), *tls);
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) continue;  // e.g. a client that refused our certificate
    answer(stream);
    stream.shutdown(ec);
  }
}

// One request per connection: the host's client always sends Connection: close.
template <class Stream>
void FakeUpstream::Impl::answer(Stream& stream) {
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::read(stream, buffer, req, ec);
  if (ec) return;
  SeenRequest seen{std::string(req.method_string()), std::string(req.target()), {}};
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    seen.headers[name] = std::string(field.value());
  }
  {
    std::lock_guard lock(mutex);
    requests.push_back(seen);
  }
  CannedReply reply = handler(seen);
  // In steps, so that a long delay ends with the test.
  for (auto end = std::chrono::steady_clock::now() + reply.delay;
       std::chrono::steady_clock::now() < end && !stopping();)
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        end - std::chrono::steady_clock::now(), std::chrono::milliseconds(20)));
  if (reply.reset) {
    beast::get_lowest_layer(stream).set_option(asio::socket_base::linger(true, 0), ec);
    beast::get_lowest_layer(stream).close(ec);
    return;
  }
  if (reply.raw) {
    std::string_view bytes = *reply.raw;
    size_t step = reply.drip.count() > 0 ? 1 : bytes.size();
    for (size_t at = 0; at < bytes.size() && !stopping(); at += step) {
      asio::write(stream, asio::buffer(bytes.substr(at, step)), ec);
      if (ec) return;
      std::this_thread::sleep_for(reply.drip);
    }
    return;
  }
  http::response<http::string_body> res(static_cast<http::status>(reply.status), 11);
  for (const auto& [name, value] : reply.headers) res.set(name, value);
  res.body() = reply.body;
  res.keep_alive(false);
  res.prepare_payload();
  http::write(stream, res, ec);
}

}  // namespace gatehouse::test
