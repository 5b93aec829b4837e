// The embedded HTTP/1.1 server: Boost.Beast, async all the way, N I/O threads. Routes
// live in Api; this file only moves bytes, enforces limits, and records metrics.
#pragma once

#include "config.hpp"
#include "http_api.hpp"
#include "metrics.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace gatehouse {

struct ServerLimits {
  size_t header_bytes = 8 * 1024;  // request line + headers
  size_t body_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{15000};  // per request, so a slow client lets go
};

class HttpServer {
 public:
  // Binds at once (throws std::runtime_error naming the address on failure). With
  // stop_on_signals, SIGINT and SIGTERM are taken from here on and end run().
  // With on_hangup, SIGHUP calls it (on an I/O thread: it must not block).
  HttpServer(const ListenAddress& listen, unsigned threads, const Api& api, HttpMetrics& metrics,
             bool stop_on_signals, ServerLimits limits = {}, std::function<void()> on_hangup = {});
  ~HttpServer();

  uint16_t port() const;  // the bound port, useful with port 0
  // Serves until stop() or a signal; returns the signal, 0 for stop().
  int run();
  void stop();  // from any thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse
