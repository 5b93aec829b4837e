#include "http/metrics.hpp"

#include <cstdio>

namespace gatehouse {
namespace {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

}  // namespace

size_t HttpMetrics::status_slot(unsigned status) {
  for (size_t i = 0; i + 1 < statuses.size(); ++i)
    if (statuses[i] == status) return i;
  return statuses.size() - 1;
}

void HttpMetrics::record(Route route, unsigned status, std::chrono::nanoseconds latency) {
  requests_[static_cast<size_t>(route)][status_slot(status)].fetch_add(1,
                                                                       std::memory_order_relaxed);
  double s = std::chrono::duration<double>(latency).count();
  size_t bucket = 0;
  while (bucket < buckets_s.size() && s > buckets_s[bucket]) ++bucket;
  latency_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns_.fetch_add(static_cast<uint64_t>(latency.count()), std::memory_order_relaxed);
}

void HttpMetrics::append_prometheus(std::string& out) const {
  append_metric_header(out, "gatehouse_http_requests_total", "counter",
                       "HTTP requests by route and status (status 0: any other).");
  for (size_t r = 0; r < route_count; ++r) {
    for (size_t s = 0; s < statuses.size(); ++s) {
      uint64_t n = requests_[r][s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += "gatehouse_http_requests_total{route=\"" +
             std::string(route_name(static_cast<Route>(r))) + "\",status=\"" +
             std::to_string(statuses[s]) + "\"} " + std::to_string(n) + "\n";
    }
  }
  append_metric_header(out, "gatehouse_http_request_duration_seconds", "histogram",
                       "Time from a complete request to its response being handed to the socket.");
  uint64_t cumulative = 0;
  for (size_t b = 0; b <= buckets_s.size(); ++b) {
    cumulative += latency_buckets_[b].load(std::memory_order_relaxed);
    std::string le = b < buckets_s.size() ? seconds_text(buckets_s[b]) : "+Inf";
    out += "gatehouse_http_request_duration_seconds_bucket{le=\"" + le + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += "gatehouse_http_request_duration_seconds_sum " +
         seconds_text(static_cast<double>(latency_sum_ns_.load(std::memory_order_relaxed)) / 1e9) +
         "\n";
  out += "gatehouse_http_request_duration_seconds_count " + std::to_string(cumulative) + "\n";
  append_metric_header(out, "gatehouse_http_accept_pauses_total", "counter",
                       "Times accepting waited for a free descriptor (EMFILE, ENFILE, ...).");
  out += "gatehouse_http_accept_pauses_total " +
         std::to_string(accept_pauses_.load(std::memory_order_relaxed)) + "\n";
}

void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace gatehouse
