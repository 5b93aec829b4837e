// Counters for /metrics, kept in fixed arrays of atomics: the request path never locks.
#pragma once

#include "http/route.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse {

class HttpMetrics {
 public:
  void record(Route route, unsigned status, std::chrono::nanoseconds latency);
  // The acceptor waited for want of descriptors or memory (EMFILE and kin).
  void record_accept_pause() { accept_pauses_.fetch_add(1, std::memory_order_relaxed); }
  // Appends the Prometheus text of requests by route and status and the latency histogram.
  void append_prometheus(std::string& out) const;

 private:
  static constexpr std::array<unsigned, 16> statuses = {200, 304, 400, 401, 403, 404, 405, 408,
                                                        409, 413, 422, 431, 500, 502, 503, 0};
  static constexpr std::array<double, 12> buckets_s = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                       0.05,   0.1,   0.25,   0.5,   1,    2.5};
  static size_t status_slot(unsigned status);

  std::array<std::array<std::atomic<uint64_t>, statuses.size()>, route_count> requests_{};
  std::array<std::atomic<uint64_t>, buckets_s.size() + 1> latency_buckets_{};  // last: +Inf
  std::atomic<uint64_t> latency_sum_ns_{0};
  std::atomic<uint64_t> accept_pauses_{0};
};

// Appends one "# HELP / # TYPE" header.
void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help);

}  // namespace gatehouse
