#include "plugin_host/http_client.hpp"

#include "support/gzip.hpp"
#include "support/log.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <charconv>
#include <cstdlib>
#include <functional>
#include <thread>

namespace gatehouse {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Endpoint {
  bool https = false;
  std::string host;  // without IPv6 brackets
  std::string port;
  std::string target;  // origin form: /path?query
  std::string url;
};

Endpoint parse_url(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw HttpError(HttpError::Kind::bad_url, "not a URL: '" + url + "'");
  Endpoint e;
  std::string scheme(parsed->scheme());
  if (scheme != "http" && scheme != "https")
    throw HttpError(HttpError::Kind::bad_url, "only http and https URLs are supported: " + url);
  e.https = scheme == "https";
  e.host = parsed->host_address();
  if (e.host.empty()) throw HttpError(HttpError::Kind::bad_url, "URL without a host: " + url);
  e.port = parsed->has_port() ? std::string(parsed->port()) : e.https ? "443" : "80";
  e.target = std::string(parsed->encoded_path());
  if (e.target.empty()) e.target = "/";
  if (parsed->has_query()) e.target += "?" + std::string(parsed->encoded_query());
  e.url = url;
  return e;
}

std::string env(const char* upper, const char* lower) {
  const char* v = std::getenv(upper);
  if (!v || !*v) v = std::getenv(lower);
  return v ? v : "";
}

// NO_PROXY: comma-separated hosts or domain suffixes; "*" for every host.
bool bypasses_proxy(const std::string& host) {
  std::string list = env("NO_PROXY", "no_proxy");
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = std::min(list.find(',', start), list.size());
    std::string entry = list.substr(start, end - start);
    entry.erase(0, entry.find_first_not_of(' '));
    entry.erase(entry.find_last_not_of(' ') + 1);
    if (size_t colon = entry.rfind(':'); colon != std::string::npos &&
                                         entry.find(']') == std::string::npos &&
                                         entry.find(':') == colon)
      entry.resize(colon);
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (entry == "*" || host == entry ||
        (host.size() > entry.size() && !entry.empty() && host.ends_with("." + entry)))
      return true;
    start = end + 1;
  }
  return false;
}

// scheme://host:port, the host lower-cased: what "the same origin" compares (RFC 6454).
std::string origin_of(const Endpoint& e) {
  std::string host = e.host;
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return (e.https ? "https://" : "http://") + host + ":" + e.port;
}

std::optional<Endpoint> proxy_for(const Endpoint& target) {
  std::string proxy =
      target.https ? env("HTTPS_PROXY", "https_proxy") : env("HTTP_PROXY", "http_proxy");
  if (proxy.empty() || bypasses_proxy(target.host)) return std::nullopt;
  if (proxy.find("://") == std::string::npos) proxy = "http://" + proxy;
  Endpoint p = parse_url(proxy);
  if (p.https) throw HttpError(HttpError::Kind::bad_url, "https:// proxies are not supported");
  return p;
}

// Runs one asynchronous operation to completion: the stream's expiry bounds it in time.
template <class Start>
beast::error_code await(asio::io_context& ioc, Start&& start) {
  beast::error_code result = asio::error::would_block;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

std::string ms_text(SteadyClock::duration d) {
  return std::to_string(std::chrono::duration_cast<milliseconds>(d).count()) + " ms";
}

std::string decompressed(std::string_view data, size_t limit, const std::string& url) {
  std::string out;
  if (gunzip(data, limit, out)) return out;
  if (out.size() > limit)
    throw HttpError(HttpError::Kind::too_large, "response from " + url + " is larger than " +
                                                    std::to_string(limit) +
                                                    " bytes once decompressed");
  throw HttpError(HttpError::Kind::protocol, "response from " + url + " is not valid gzip");
}

bool is_redirect(unsigned status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

// Made at the first HTTPS request, not at start: loading the system's roots parses every
// certificate of the bundle (about 50 ms here), which a restart serving its snapshots does
// not need before its first answer.
struct HttpClient::Tls {
  ssl::context& context(const HttpClientSettings& settings) {
    std::call_once(once_, [&] {
      ssl::context& made_context = made_.emplace(ssl::context::tls_client);
      beast::error_code ec;
      made_context.set_default_verify_paths(ec);
      made_context.set_verify_mode(ssl::verify_peer);
      if (settings.ca_file.empty()) return;
      made_context.load_verify_file(settings.ca_file.string(), ec);
      if (ec) {
        made_.reset();
        throw std::runtime_error("cannot load CA file " + settings.ca_file.string() + ": " +
                                 ec.message());
      }
    });
    return *made_;
  }

 private:
  std::once_flag once_;
  std::optional<ssl::context> made_;
};

HttpClient::HttpClient(HttpClientSettings settings)
    : settings_(std::move(settings)), tls_(std::make_unique<Tls>()) {
  if (!settings_.ca_file.empty()) tls_->context(settings_);  // a bad ca_file fails the start
}

HttpClient::~HttpClient() = default;

namespace {

// One request on one connection, no redirects, no retries.
class Exchange {
 public:
  Exchange(const Endpoint& target, const HttpHeaders& headers, SteadyClock::time_point deadline,
           const HttpClientSettings& settings, std::function<ssl::context&()> tls)
      : target_(target),
        headers_(headers),
        deadline_(deadline),
        settings_(settings),
        tls_(std::move(tls)) {}

  HttpClientResponse run() {
    std::optional<Endpoint> proxy = proxy_for(target_);
    beast::tcp_stream stream(ioc_);
    connect(stream, proxy ? *proxy : target_);
    if (!target_.https) return request(stream, proxy ? target_.url : target_.target);
    if (proxy) tunnel(stream);
    beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), tls_());
    handshake(tls);
    return request(tls, target_.target);
  }

 private:
  [[noreturn]] void fail(HttpError::Kind kind, const std::string& what, beast::error_code ec) {
    if (ec == beast::error::timeout)
      throw HttpError(HttpError::Kind::timeout, what + " timed out", true);
    // A name that does not exist, or a certificate refused, will be the same next time.
    bool transient = kind != HttpError::Kind::tls && ec != asio::error::host_not_found;
    throw HttpError(kind, what + " failed: " + ec.message(), transient);
  }

  void connect(beast::tcp_stream& stream, const Endpoint& to) {
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    // getaddrinfo blocks this (fetch) thread; its own timeouts bound it.
    auto addresses = resolver.resolve(to.host, to.port, ec);
    if (ec) fail(HttpError::Kind::dns, "DNS lookup of " + to.host, ec);
    stream.expires_at(std::min(deadline_, SteadyClock::now() + settings_.connect_timeout));
    ec = await(ioc_, [&](auto handler) { stream.async_connect(addresses, handler); });
    if (ec) fail(HttpError::Kind::connect, "connect to " + to.host + ":" + to.port, ec);
  }

  // HTTPS through a proxy: CONNECT, then TLS end to end inside the tunnel.
  void tunnel(beast::tcp_stream& stream) {
    std::string authority = target_.host + ":" + target_.port;
    http::request<http::empty_body> req(http::verb::connect, authority, 11);
    req.set(http::field::host, authority);
    stream.expires_at(deadline_);
    beast::error_code ec =
        await(ioc_, [&](auto handler) { http::async_write(stream, req, handler); });
    if (ec) fail(HttpError::Kind::connect, "proxy CONNECT to " + authority, ec);
    http::response_parser<http::empty_body> parser;
    parser.skip(true);  // a CONNECT answer has no body
    ec = await(ioc_,
               [&](auto handler) { http::async_read_header(stream, buffer_, parser, handler); });
    if (ec) fail(HttpError::Kind::connect, "proxy CONNECT to " + authority, ec);
    if (parser.get().result_int() != 200)
      throw HttpError(HttpError::Kind::connect, "proxy refused CONNECT to " + authority +
                                                    ": HTTP " +
                                                    std::to_string(parser.get().result_int()));
  }

  void handshake(beast::ssl_stream<beast::tcp_stream>& tls) {
    if (!SSL_set_tlsext_host_name(tls.native_handle(), target_.host.c_str()))
      throw HttpError(HttpError::Kind::tls, "cannot set TLS server name " + target_.host);
    tls.set_verify_callback(ssl::host_name_verification(target_.host));
    beast::get_lowest_layer(tls).expires_at(deadline_);
    beast::error_code ec =
        await(ioc_, [&](auto handler) { tls.async_handshake(ssl::stream_base::client, handler); });
    if (ec) fail(HttpError::Kind::tls, "TLS handshake with " + target_.host, ec);
  }

  template <class Stream>
  HttpClientResponse request(Stream& stream, const std::string& request_target) {
    http::request<http::empty_body> req(http::verb::get, request_target, 11);
    req.set(
        http::field::host,
        target_.host + (target_.port == (target_.https ? "443" : "80") ? "" : ":" + target_.port));
    req.set(http::field::user_agent, "gatehouse/" GATEHOUSE_VERSION);
    req.set(http::field::accept_encoding, "gzip");
    req.set(http::field::connection, "close");
    for (const auto& [name, value] : headers_) req.set(name, value);
    beast::get_lowest_layer(stream).expires_at(deadline_);
    beast::error_code ec =
        await(ioc_, [&](auto handler) { http::async_write(stream, req, handler); });
    if (ec) fail(HttpError::Kind::connect, "sending GET " + target_.url, ec);

    http::response_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(settings_.max_response_bytes);
    ec = await(ioc_, [&](auto handler) { http::async_read(stream, buffer_, parser, handler); });
    if (ec == http::error::body_limit)
      throw HttpError(HttpError::Kind::too_large,
                      "response from " + target_.url + " is larger than " +
                          std::to_string(settings_.max_response_bytes) + " bytes");
    if (ec) fail(HttpError::Kind::protocol, "reading the response of GET " + target_.url, ec);
    return convert(parser.release());
  }

  HttpClientResponse convert(http::response<http::string_body>&& res) {
    HttpClientResponse out;
    out.status = res.result_int();
    out.url = target_.url;
    for (const auto& field : res) out.headers.emplace_back(field.name_string(), field.value());
    out.body = std::move(res.body());
    if (beast::iequals(res[http::field::content_encoding], "gzip"))
      out.body = decompressed(out.body, settings_.max_response_bytes, target_.url);
    return out;
  }

  const Endpoint& target_;
  const HttpHeaders& headers_;
  SteadyClock::time_point deadline_;
  const HttpClientSettings& settings_;
  std::function<ssl::context&()> tls_;  // asked only for an https:// target
  asio::io_context ioc_;
  beast::flat_buffer buffer_;
};

// One rule for the client's own lines (redact.hpp): the caller's secrets and credentials.
std::string redacted(const std::string& line, const HttpHeaders& headers, const Redactor* secrets) {
  Redactor all = secrets ? *secrets : Redactor();
  for (const auto& [name, value] : headers) all.add_header(name, value);
  return all.redact(line);
}

std::string header_value(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (beast::iequals(n, name)) return v;
  return "";
}

}  // namespace

std::optional<milliseconds> retry_wait_from_headers(const HttpHeaders& headers) {
  // Any wait longer than a day is longer than any request may take: a day stands for it,
  // so no upstream's number can overflow the arithmetic on it.
  static constexpr int64_t longest_s = 24 * 3600;
  auto seconds = [](std::string_view text) -> std::optional<milliseconds> {
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range && end != text.data() && text.front() != '-')
      value = longest_s;
    else if (ec != std::errc() || end == text.data() || value < 0)
      return std::nullopt;
    return milliseconds(std::min(value, longest_s) * 1000);
  };
  if (auto after = seconds(header_value(headers, "Retry-After"))) return after;
  // The Hub: RateLimit: "api";r=0;t=55 -- r requests remain, t seconds until the reset.
  std::string rate = header_value(headers, "RateLimit");
  size_t t = rate.find(";t=");
  if (t != std::string::npos) return seconds(std::string_view(rate).substr(t + 3));
  return std::nullopt;
}

std::optional<std::string> url_origin(const std::string& url) {
  try {
    return origin_of(parse_url(url));
  } catch (const HttpError&) {
    return std::nullopt;
  }
}

HttpHeaders without_credentials(const HttpHeaders& headers) {
  HttpHeaders kept;
  for (const auto& [name, value] : headers)
    if (beast::iequals(name, "Accept") || beast::iequals(name, "Accept-Language"))
      kept.emplace_back(name, value);
  return kept;
}

// One GET and the redirects it leads to. The caller's headers (its credentials among them)
// go only to the origin they were meant for, as curl and browsers do.
HttpClientResponse HttpClient::follow(const std::string& url, const HttpHeaders& headers,
                                      SteadyClock::time_point deadline) const {
  Endpoint target = parse_url(url);
  const std::string origin = origin_of(target);
  HttpHeaders sent = headers;
  for (int redirects = 0;; ++redirects) {
    HttpClientResponse r = Exchange(target, sent, deadline, settings_, [this]() -> ssl::context& {
                             return tls_->context(settings_);
                           }).run();
    std::string location = header_value(r.headers, "Location");
    if (!is_redirect(r.status) || location.empty()) return r;
    if (redirects == settings_.max_redirects)
      throw HttpError(
          HttpError::Kind::redirect,
          "more than " + std::to_string(settings_.max_redirects) + " redirects from " + url);
    boost::urls::url next;
    auto base = boost::urls::parse_uri(target.url);
    auto ref = boost::urls::parse_uri_reference(location);
    if (!ref || !boost::urls::resolve(*base, *ref, next))
      throw HttpError(HttpError::Kind::redirect, "bad redirect Location '" + location + "'");
    target = parse_url(std::string(next.buffer()));
    if (origin_of(target) != origin) sent = without_credentials(sent);
  }
}

HttpClientResponse HttpClient::get(const std::string& url, const HttpHeaders& headers,
                                   milliseconds timeout, const Redactor* secrets) const {
  SteadyClock::time_point started = SteadyClock::now();
  SteadyClock::time_point deadline = started + (timeout.count() > 0 ? timeout : settings_.timeout);
  for (int attempt = 0;; ++attempt) {
    milliseconds wait = settings_.retry_base * (1 << std::min(attempt, 16));
    std::string why;
    try {
      HttpClientResponse r = follow(url, headers, deadline);
      if ((r.status != 429 && r.status < 500) || attempt >= settings_.max_retries) return r;
      wait = retry_wait_from_headers(r.headers).value_or(wait);
      if (SteadyClock::now() + wait >= deadline) return r;  // no time to wait: the caller decides
      why = "answered HTTP " + std::to_string(r.status);
    } catch (const HttpError& e) {
      if (!e.transient() || attempt >= settings_.max_retries ||
          SteadyClock::now() + wait >= deadline)
        throw;
      why = e.what();
    }
    log_warn(redacted("GET " + url + " " + why + "; retry " + std::to_string(attempt + 1) + " of " +
                          std::to_string(settings_.max_retries) + " in " + ms_text(wait),
                      headers, secrets));
    if (!pause(wait))
      throw HttpError(HttpError::Kind::stopped, "GET " + url + " stopped: shutting down");
  }
}

void HttpClient::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopped_ = true;
  }
  stop_signal_.notify_all();
}

bool HttpClient::pause(milliseconds wait) const {
  std::unique_lock lock(stop_mutex_);
  return !stop_signal_.wait_for(lock, wait, [this] { return stopped_; });
}

}  // namespace gatehouse
