#include "support/fake_upstream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <mutex>
#include <thread>

namespace gatehouse::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct FakeUpstream::Impl {
  explicit Impl(Handler h) : handler(std::move(h)) {}
  void serve();
  bool stopping() {
    std::lock_guard lock(mutex);
    return stop;
  }

  Handler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::mutex mutex;
  std::vector<SeenRequest> requests;
  bool stop = false;
  std::thread thread;
};

FakeUpstream::FakeUpstream(Handler handler) : impl_(std::make_unique<Impl>(std::move(handler))) {
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
}

uint16_t FakeUpstream::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string FakeUpstream::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + path;
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
    // One request per connection: the host's client always sends Connection: close.
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) continue;
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
    std::this_thread::sleep_for(reply.delay);
    http::response<http::string_body> res(static_cast<http::status>(reply.status), 11);
    for (const auto& [name, value] : reply.headers) res.set(name, value);
    res.body() = reply.body;
    res.keep_alive(false);
    res.prepare_payload();
    http::write(socket, res, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
}

}  // namespace gatehouse::test
