#include "http/http_server.hpp"

#include "http/content_coding.hpp"
#include "support/gzip.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <malloc.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <climits>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <sstream>
#include <thread>
#include <vector>

namespace gatehouse {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

// A streamed body, gzipped as it goes, is compressed this much input at a time on the
// compression thread: a few milliseconds at most.
constexpr size_t gzip_step_bytes = 256 << 10;

// The one transfer coding understood is a final, lone `chunked` (RFC 9112 6.1); anything
// else frames the body in a way not read here, so what follows it cannot be trusted to be
// the next request (6.3: answer 400 and close). Content-Length beside it is the classic
// smuggling pair.
bool framing_understood(const http::request<http::string_body>& req) {
  std::vector<std::string_view> codings;
  for (const auto& field : req) {
    if (field.name() != http::field::transfer_encoding) continue;
    std::string_view list = field.value();
    while (!list.empty()) {
      std::string_view item = list.substr(0, list.find(','));
      list.remove_prefix(std::min(list.size(), item.size() + 1));
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      codings.push_back(item);
    }
  }
  if (codings.empty()) return true;
  return codings.size() == 1 && beast::iequals(codings.front(), "chunked") &&
         req.count(http::field::content_length) == 0;
}

// What a request's head must be before it is answered; empty when it may be.
std::string_view head_fault(const http::request<http::string_body>& req) {
  if (!framing_understood(req)) return "unsupported Transfer-Encoding";
  // RFC 9112 3.2: an HTTP/1.1 request has exactly one Host.
  if (req.version() >= 11 && req.count(http::field::host) != 1)
    return req.count(http::field::host) ? "more than one Host header" : "missing Host header";
  return {};
}

// The open connections, and what a burst of them leaves behind: when the last of a burst
// closes, glibc's malloc keeps the freed memory of each I/O thread's arena, scattered, as
// its own; malloc_trim gives it back (on a thread of its own: it walks the heap).
class Connections {
 public:
  explicit Connections(asio::thread_pool& trimmer) : trimmer_(trimmer) {}
  size_t open() const { return open_.load(); }
  void opened() {
    size_t now = open_.fetch_add(1) + 1;
    size_t peak = peak_.load();
    while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
    }
  }
  void closed() {
    if (open_.fetch_sub(1) != 1 || peak_.load() < burst) return;
    peak_ = 0;
    asio::post(trimmer_, [] { malloc_trim(0); });
  }

 private:
  static constexpr size_t burst = 64;
  asio::thread_pool& trimmer_;
  std::atomic<size_t> open_{0};
  std::atomic<size_t> peak_{0};  // the most open at once since the last trim
};

// Serves one connection: read a request, answer it, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Api& api, HttpMetrics& metrics, const ServerLimits& limits,
          asio::thread_pool& compress, Connections& connections)
      : stream_(std::move(socket)),
        wait_(stream_.get_executor()),
        api_(api),
        metrics_(metrics),
        limits_(limits),
        compress_(compress),
        connections_(connections) {
    connections_.opened();
  }
  ~Session() { connections_.closed(); }

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
    if (std::string_view fault = head_fault(req); !fault.empty()) return refuse(400, fault);
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
    refuse(status, status == 431   ? "request headers too large"
                   : status == 413 ? "request body too large"
                                   : "malformed HTTP request");
  }

  void refuse(unsigned status, std::string_view why) {
    ApiResponse r = json_error(status, Route::unknown, why);
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
    if (r.stream) return send_stream(std::move(r));
    if (!head_) return write(message<http::string_body>(r, std::move(r.body)));
    // HEAD: the headers GET would send, Content-Length included, and no body. (A 304,
    // 204 or 1xx has no Content-Length: nor does its HEAD.)
    auto res = message<http::empty_body>(r, {});
    if (r.status != 304 && r.status != 204 && r.status >= 200) res->content_length(r.body.size());
    write(res);
  }

  // A streamed body: pieces of shared bytes as the socket drains, the head going out with
  // the first; gzipped, each step compressed on the compression thread and sent as one
  // chunk (its size is not known ahead). An HTTP/1.0 client, which has no chunks, gets it
  // uncompressed.
  void send_stream(ApiResponse r) {
    body_ = std::move(r.stream);
    if (r.gzip_stream && version_ < 11) {
      std::erase_if(r.headers, [](const auto& h) { return h.first == "Content-Encoding"; });
      r.gzip_stream = false;
    }
    auto res = message<http::empty_body>(r, {});
    res->erase(http::field::content_length);
    if (!r.gzip_stream) res->content_length(body_->size());
    if (head_) return write(res);
    if (r.gzip_stream) {
      res->chunked(true);
      gzip_ = std::make_unique<GzipStream>();
    }
    std::ostringstream head;
    head << res->base();
    head_text_ = std::move(head).str();
    beast::error_code ec;  // sendmsg must not block an I/O thread (Asio's own reads set it too)
    stream_.socket().native_non_blocking(true, ec);
    if (ec) return close();
    next_piece();
  }

  // Each piece has read_timeout to go: a client that reads goes on, one that stops is let go.
  void next_piece() {
    if (last_sent_) return finish_stream();
    pieces_.clear();
    body_->next(gzip_ ? gzip_step_bytes : body_->step_bytes(), pieces_);
    if (gzip_) return compress_piece();
    write_piece(pieces_, pieces_.empty());
  }

  void compress_piece() {
    asio::post(compress_, [self = shared_from_this()] {
      bool last = self->pieces_.empty();
      self->compressed_.clear();
      try {
        for (std::string_view p : self->pieces_) self->gzip_->add(p, self->compressed_);
        if (last) self->gzip_->finish(self->compressed_);
      } catch (const std::exception&) {  // zlib failed (no memory): the answer cannot end
        return asio::post(self->stream_.get_executor(), [self] { self->close(); });
      }
      asio::post(self->stream_.get_executor(), [self, last] {
        std::string_view out = self->compressed_;
        self->write_piece(out.empty() ? std::vector<std::string_view>{} : std::vector{out}, last);
      });
    });
  }

  // One piece out: the head if not sent yet, the piece (framed as a chunk when gzipped), and,
  // when it is the last, the last chunk.
  void write_piece(const std::vector<std::string_view>& piece, bool last) {
    out_.clear();
    out_at_ = out_offset_ = 0;
    if (!head_text_.empty()) out_.push_back(head_text_);
    size_t bytes = 0;
    for (std::string_view p : piece) bytes += p.size();
    if (gzip_ && bytes) {
      chunk_size_ = hex(bytes) + "\r\n";
      out_.push_back(chunk_size_);
    }
    out_.insert(out_.end(), piece.begin(), piece.end());
    if (gzip_ && bytes) out_.push_back("\r\n");
    if (gzip_ && last) out_.push_back("0\r\n\r\n");
    last_sent_ = last;
    send_out();
  }

  // Sends out_ straight from the bytes its views point into: a full list is thousands of
  // views (a model's JSON, a comma), and one sendmsg takes up to IOV_MAX of them, where
  // Asio's writes take 64 (a copy into a buffer of our own would cost a memmove of every
  // byte, and that buffer, held by a client that stops reading). When the socket is full,
  // waits until it drains, for read_timeout at most.
  void send_out() {
    iovec iov[IOV_MAX];
    for (;;) {
      size_t n = 0;
      for (size_t i = out_at_, skip = out_offset_; i < out_.size() && n < IOV_MAX; ++i, skip = 0)
        iov[n++] = {const_cast<char*>(out_[i].data()) + skip, out_[i].size() - skip};
      if (n == 0) return piece_sent();
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = n;
      ssize_t sent = ::sendmsg(stream_.socket().native_handle(), &msg, MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return wait_writable();
      if (sent < 0) return close();
      advance_out(static_cast<size_t>(sent));
    }
  }

  void advance_out(size_t sent) {
    while (sent > 0) {
      size_t left = out_[out_at_].size() - out_offset_;
      if (sent < left) {
        out_offset_ += sent;
        return;
      }
      sent -= left;
      ++out_at_;
      out_offset_ = 0;
    }
    while (out_at_ < out_.size() && out_[out_at_].size() == out_offset_) ++out_at_, out_offset_ = 0;
  }

  void wait_writable() {
    unsigned waiting = ++write_waits_;
    wait_.expires_after(limits_.read_timeout);
    wait_.async_wait([self = shared_from_this(), waiting](beast::error_code ec) {
      if (ec || waiting != self->write_waits_) return;
      beast::error_code ignored;  // the client stopped reading: the wait below ends, aborted
      self->stream_.socket().cancel(ignored);
    });
    stream_.socket().async_wait(tcp::socket::wait_write,
                                [self = shared_from_this()](beast::error_code ec) {
                                  ++self->write_waits_;
                                  self->wait_.cancel();
                                  if (ec) return self->close();
                                  self->send_out();
                                });
  }

  // The next piece is made in a handler of its own: a client that reads as fast as this
  // writes must not keep the I/O thread from the other connections until its answer ends.
  void piece_sent() {
    head_text_.clear();
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->next_piece(); });
  }

  static std::string hex(size_t n) {
    char digits[17];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n, 16);
    return std::string(digits, end);
  }

  void finish_stream() {
    body_.reset();
    gzip_.reset();
    compressed_ = {};
    out_ = {};
    head_text_ = {};
    last_sent_ = false;
    on_write({}, 0);
  }

  template <class Body>
  std::shared_ptr<http::response<Body>> message(const ApiResponse& r,
                                                typename Body::value_type body) {
    auto res = std::make_shared<http::response<Body>>(static_cast<http::status>(r.status), version_,
                                                      std::move(body));
    res->set(http::field::server, "gatehouse/" GATEHOUSE_VERSION);
    res->set(http::field::content_type, r.content_type);
    res->set("X-Content-Type-Options", "nosniff");
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
  asio::thread_pool& compress_;
  Connections& connections_;
  ApiRequest request_;
  std::shared_ptr<void> response_;
  std::shared_ptr<BodySource> body_;  // a streamed answer being sent
  std::vector<std::string_view> pieces_;
  std::vector<std::string_view> out_;  // the piece being sent, and how much of it is
  size_t out_at_ = 0, out_offset_ = 0;
  unsigned write_waits_ = 0;  // which wait for the socket to drain the timer is for
  std::unique_ptr<GzipStream> gzip_;
  std::string compressed_;
  std::string head_text_;   // a streamed answer's head, until it is sent
  std::string chunk_size_;  // the framing of the chunk being sent
  bool last_sent_ = false;
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
      // A streamed answer's head and pieces are separate writes: Nagle would hold a piece's
      // last segment for the client's delayed ACK.
      beast::error_code ignored;
      if (!ec) s.set_option(tcp::no_delay(true), ignored);
      if (!ec)
        std::make_shared<Session>(std::move(s), api, metrics, limits, compress, connections)
            ->start();
      if (out_of_resources(ec)) return pause(limits.accept_backoff);
      accept_when_room();
    });
  }

  // Past max_connections, a new connection waits in the backlog until a session ends.
  void accept_when_room() {
    if (connections.open() < limits.max_connections) return accept();
    pause(std::chrono::milliseconds(10));
  }

  void pause(std::chrono::milliseconds wait) {
    metrics.record_accept_pause();
    accept_pause.expires_after(wait);
    accept_pause.async_wait([this](beast::error_code waited) {
      if (!waited) accept_when_room();
    });
  }

  static bool out_of_resources(beast::error_code ec) {
    return ec == asio::error::no_descriptors || ec.value() == ENFILE ||
           ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
  }

  unsigned threads;
  asio::thread_pool trimmer{1};
  Connections connections{trimmer};  // outlives ioc, whose handlers hold the sessions
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer accept_pause{ioc};
  // Destroyed before ioc: the compression jobs it drops hold sessions of ioc.
  asio::thread_pool compress{1};
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
