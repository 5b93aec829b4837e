// The HTTP client the host lends to plugins (gatehouse_host_services.http_get): HTTPS
// with certificate checks, timeouts, bounded redirects, gzip, a size cap, proxies from
// the environment, and retries that honour Retry-After and the Hub's RateLimit header.
#pragma once

#include <gatehouse/redact.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gatehouse {

struct HttpClientSettings {
  std::chrono::milliseconds timeout{60000};          // whole request, retries included
  std::chrono::milliseconds fetch_timeout{600000};   // every request of one plugin fetch
                                                     // together (host services enforce it)
  std::chrono::milliseconds connect_timeout{10000};  // each connection attempt
  size_t max_response_bytes = 256u << 20;            // after decompression
  int max_redirects = 5;
  int max_retries = 4;                        // on 429, 5xx and network errors
  std::chrono::milliseconds retry_base{500};  // backoff 0.5 s, 1 s, 2 s, ... unless told
  std::filesystem::path ca_file;              // trusted besides the system store

  bool operator==(const HttpClientSettings&) const = default;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpClientResponse {
  unsigned status = 0;
  std::string url;  // after redirects
  HttpHeaders headers;
  std::string body;  // decompressed
};

// A transport failure, in words that say what happened and where.
class HttpError : public std::runtime_error {
 public:
  enum class Kind { dns, connect, tls, timeout, protocol, too_large, bad_url, redirect, stopped };
  HttpError(Kind kind, const std::string& message, bool transient = false)
      : std::runtime_error(message), kind_(kind), transient_(transient) {}
  Kind kind() const { return kind_; }
  bool transient() const { return transient_; }  // worth a retry

 private:
  Kind kind_;
  bool transient_;
};

// "https://huggingface.co:443" for any URL on that origin; nullopt when url is not one.
std::optional<std::string> url_origin(const std::string& url);

// The headers that say nothing about who asks (Accept, Accept-Language): the only ones of
// a caller's that go on to another origin.
HttpHeaders without_credentials(const HttpHeaders& headers);

class HttpClient {
 public:
  explicit HttpClient(HttpClientSettings settings = {});
  ~HttpClient();

  // GETs url. A final non-2xx status is returned, not thrown: the caller decides. Throws
  // HttpError when no response could be had. `timeout` 0 means the settings' timeout.
  // A redirect to another origin drops `headers` but without_credentials(headers).
  // What the client logs (a retry) leaves out `secrets` and the credentials in `headers`:
  // a URL may hold a key an upstream echoed into a link.
  HttpClientResponse get(const std::string& url, const HttpHeaders& headers,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(0),
                         const Redactor* secrets = nullptr) const;

  const HttpClientSettings& settings() const { return settings_; }

  // Ends every wait between retries at once and fails further retries: for shutdown.
  void stop();

 private:
  // Sleeps between attempts; false when stop() came first.
  bool pause(std::chrono::milliseconds wait) const;
  HttpClientResponse follow(const std::string& url, const HttpHeaders& headers,
                            std::chrono::steady_clock::time_point deadline) const;

  struct Tls;
  HttpClientSettings settings_;
  std::unique_ptr<Tls> tls_;
  mutable std::mutex stop_mutex_;
  mutable std::condition_variable stop_signal_;
  bool stopped_ = false;
};

// How long to wait before retrying a 429/5xx: Retry-After (seconds), else the Hub's
// `RateLimit: "api";r=0;t=55` (t seconds), else nullopt (use backoff).
std::optional<std::chrono::milliseconds> retry_wait_from_headers(const HttpHeaders& headers);

}  // namespace gatehouse
