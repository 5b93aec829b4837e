// The embedded HTTP/1.1 server: Boost.Beast, async all the way, N I/O threads. Routes
// live in Api; this file only moves bytes, enforces limits, and records metrics.
#pragma once

#include "http/api.hpp"
#include "http/listen_address.hpp"
#include "http/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

namespace gatehouse {

struct ServerLimits {
  size_t header_bytes = 8 * 1024;  // request line + headers
  size_t body_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{15000};  // per request, so a slow client lets go
  // A connection waits this long for a request to begin (its first, or its next one when
  // kept alive): idle connections must not hold every file descriptor.
  std::chrono::milliseconds idle_timeout{5000};
  // After accept fails for want of resources (EMFILE, ENFILE, ENOBUFS, ENOMEM), this long
  // before the next try, instead of a core spinning on the error.
  std::chrono::milliseconds accept_backoff{100};
  // Past this many open connections, new ones wait in the listen backlog until one closes:
  // what the server holds stays bounded however many clients come (each connection holds
  // about 100 KB of its own at most, more only while it compresses: zlib's 256 KB).
  size_t max_connections = 4096;
};

class HttpServer {
 public:
  // Binds at once; throws std::runtime_error naming the address when it cannot.
  HttpServer(const ListenAddress& listen, unsigned threads, const Api& api, HttpMetrics& metrics,
             ServerLimits limits = {});
  ~HttpServer();

  uint16_t port() const;  // the bound port, useful with port 0
  // Serves on `threads` threads (this one among them) until stop().
  void run();
  void stop();  // from any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse
