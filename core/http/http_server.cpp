#include "http/http_server.hpp"

#include "http/content_coding.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cerrno>
#include <thread>
#include <vector>

namespace gatehouse {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// Serves one connection: read a request, answer it, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Api& api, HttpMetrics& metrics, const ServerLimits& limits)
      : stream_(std::move(socket)),
        wait_(stream_.get_executor()),
        api_(api),
        metrics_(metrics),
        limits_(limits) {}

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(limits_.header_bytes));
    parser_->body_limit(limits_.body_bytes);
    // Until a request begins, idle_timeout: a connection that says nothing must not hold a
    // descriptor long. Once it has begun, read_timeout for the whole of it.
    stream_.expires_after(limits_.idle_timeout);
    http::async_read_some(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_begun, shared_from_this()));
  }

  void on_begun(beast::error_code ec, size_t bytes) {
    if (ec || parser_->is_done()) return on_read(ec, bytes);
    stream_.expires_after(limits_.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
      return close();
    if (ec) return reject(ec);
    const auto& req = parser_->get();
    started_ = SteadyClock::now();
    request_.method = req.method_string();
    request_.target = req.target();
    request_.if_none_match = req[http::field::if_none_match];
    request_.accepts_gzip = accepts_gzip(req[http::field::accept_encoding]);
    request_.received = started_;
    request_.authorization = req[http::field::authorization];
    request_.body = req.body();
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    head_ = req.method() == http::verb::head;
    answer();
  }

  // A request the parser refused: say why, then close (the stream is out of step).
  void reject(beast::error_code ec) {
    unsigned status = ec == http::error::header_limit ? 431
                      : ec == http::error::body_limit ? 413
                                                      : 400;
    ApiResponse r = json_error(status, Route::unknown,
                               status == 431   ? "request headers too large"
                               : status == 413 ? "request body too large"
                                               : "malformed HTTP request");
    started_ = SteadyClock::now();
    keep_alive_ = false;
    version_ = 11;
    head_ = false;
    send(std::move(r));
  }

  void answer() {
    ApiResponse r = api_.handle(request_);
    if (r.deferred) {
      // Plugin work (a rebind, a refresh) runs on the fetch threads; the answer comes
      // back to this session's strand.
      api_.run_blocking(std::move(r.deferred), [self = shared_from_this()](ApiResponse out) {
        asio::post(self->stream_.get_executor(),
                   [self, out = std::move(out)]() mutable { self->send(std::move(out)); });
      });
      return;
    }
    if (r.retry_in) {
      // Not ready (a first fetch runs): wait on a timer, never on the I/O thread.
      wait_.expires_after(*r.retry_in);
      wait_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->answer();
      });
      return;
    }
    send(std::move(r));
  }

  void send(ApiResponse r) {
    metrics_.record(r.route, r.status, SteadyClock::now() - started_);
    if (!head_) return write(message<http::string_body>(r, std::move(r.body)));
    // HEAD: the headers GET would send, Content-Length included, and no body. (A 304,
    // 204 or 1xx has no Content-Length: nor does its HEAD.)
    auto res = message<http::empty_body>(r, {});
    if (r.status != 304 && r.status != 204 && r.status >= 200) res->content_length(r.body.size());
    write(res);
  }

  template <class Body>
  std::shared_ptr<http::response<Body>> message(const ApiResponse& r,
                                                typename Body::value_type body) {
    auto res = std::make_shared<http::response<Body>>(static_cast<http::status>(r.status), version_,
                                                      std::move(body));
    res->set(http::field::server, "gatehouse/" GATEHOUSE_VERSION);
    res->set(http::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res->set(name, value);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    // A 304, 204 or 1xx has no body to measure: Beast would write "Content-Length: 0",
    // which for a 304 claims the 200 was empty (RFC 9110 8.6).
    if (r.status == 304 || r.status == 204 || r.status < 200)
      res->erase(http::field::content_length);
    return res;
  }

  template <class Message>
  void write(std::shared_ptr<Message> res) {
    response_ = res;
    stream_.expires_after(limits_.read_timeout);
    http::async_write(stream_, *res,
                      beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    response_.reset();
    if (ec || !keep_alive_) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  asio::steady_timer wait_;
  const Api& api_;
  HttpMetrics& metrics_;
  const ServerLimits limits_;
  ApiRequest request_;
  std::shared_ptr<void> response_;
  SteadyClock::time_point started_;
  bool keep_alive_ = false;
  bool head_ = false;
  unsigned version_ = 11;
};

}  // namespace

struct HttpServer::Impl {
  Impl(const ListenAddress& listen, unsigned threads, const Api& api, HttpMetrics& metrics,
       ServerLimits limits)
      : threads(threads ? threads : std::max(1u, std::thread::hardware_concurrency())),
        ioc(static_cast<int>(this->threads)),
        acceptor(ioc),
        api(api),
        metrics(metrics),
        limits(limits) {
    beast::error_code ec;
    auto address = asio::ip::make_address(listen.host, ec);
    if (ec) throw std::runtime_error("cannot listen on '" + listen.host + "': not an IP address");
    tcp::endpoint endpoint(address, listen.port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + listen.host + ":" +
                               std::to_string(listen.port) + ": " + ec.message());
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(s), api, metrics, limits)->start();
      if (!out_of_resources(ec)) return accept();
      // The connection waits in the backlog until a session closes and frees a descriptor.
      metrics.record_accept_pause();
      accept_pause.expires_after(limits.accept_backoff);
      accept_pause.async_wait([this](beast::error_code waited) {
        if (!waited) accept();
      });
    });
  }

  static bool out_of_resources(beast::error_code ec) {
    return ec == asio::error::no_descriptors || ec.value() == ENFILE ||
           ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
  }

  unsigned threads;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer accept_pause{ioc};
  const Api& api;
  HttpMetrics& metrics;
  ServerLimits limits;
};

HttpServer::HttpServer(const ListenAddress& listen, unsigned threads, const Api& api,
                       HttpMetrics& metrics, ServerLimits limits)
    : impl_(std::make_unique<Impl>(listen, threads, api, metrics, limits)) {}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::run() {
  Impl& s = *impl_;
  s.accept();
  std::vector<std::thread> extra;
  for (unsigned i = 1; i < s.threads; ++i) extra.emplace_back([&s] { s.ioc.run(); });
  s.ioc.run();
  for (auto& t : extra) t.join();
}

void HttpServer::stop() { impl_->ioc.stop(); }

}  // namespace gatehouse
