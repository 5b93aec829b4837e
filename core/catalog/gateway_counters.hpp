// One gateway's cache and upstream counters, read by /metrics; the request path never locks.
#pragma once

#include <atomic>
#include <cstdint>

namespace gatehouse {

struct GatewayCounters {
  std::atomic<uint64_t> cache_hits{0};    // served from a fresh catalog
  std::atomic<uint64_t> stale_serves{0};  // served from an expired one
  std::atomic<uint64_t> fetch_ok{0};
  std::atomic<uint64_t> fetch_error{0};     // the plugin (or the host around it) failed
  std::atomic<uint64_t> fetch_rejected{0};  // it succeeded with too few models
  std::atomic<uint64_t> models_dropped{0};  // invalid models left out at ingest
  std::atomic<uint64_t> shared_loads{0};    // catalogs taken from the fleet's shared tier
  std::atomic<uint64_t> shared_stores{0};   // catalogs this replica gave the fleet
};

}  // namespace gatehouse
