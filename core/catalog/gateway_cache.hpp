// One gateway's catalog over time: the one in force (in memory, and on disk for the next
// start), when it is due again (TTL, backoff after failures), and the one refresh that
// may run at a time. Times come from the injected clock.
#pragma once

#include "catalog/catalog.hpp"
#include "catalog/gateway_config.hpp"
#include "catalog/gateway_counters.hpp"
#include "support/clock.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gatehouse {

enum class GatewayState { fresh, stale, fetching, empty, error };
std::string_view state_name(GatewayState state);

// A catalog fetched at fetched_at_ms is past its TTL at now_ms; so is one whose time is
// impossible (before 1970, or after now).
bool expired_at(int64_t fetched_at_ms, int64_t ttl_s, int64_t now_ms);

struct GatewayStatus {
  GatewayState state = GatewayState::empty;
  size_t models = 0;
  int64_t fetched_at_ms = 0;  // 0 = never
  std::string last_error;     // empty when the last attempt worked
  int64_t last_error_at_ms = 0;
  int64_t next_retry_at_ms = 0;  // 0 = no backoff in force
  // What the plugin warned of during the fetch of the catalog in force (an enrichment
  // source that failed while the catalog itself came through, say).
  std::vector<std::string> warnings;
  // Why the last good catalog could not be written to disk (ENOSPC, say): empty when it
  // was. A restart without network would then serve an older snapshot, or none.
  std::string snapshot_error;
};

class GatewayCache {
 public:
  // Puts a new catalog (null: none) of `source` in force. Whatever is derived from the
  // gateways' catalogs (the merged view) is updated first, then make_visible() is called,
  // so that a reader who sees the new catalog finds it in everything derived too.
  using Publish =
      std::function<void(const GatewayCache& source, const std::shared_ptr<const Catalog>& next,
                         const std::function<void()>& make_visible)>;

  GatewayCache(std::string gateway, CacheSettings settings, const Clock& clock, Publish publish);

  // Null until the first catalog (fetched or from the snapshot).
  std::shared_ptr<const Catalog> catalog() const { return catalog_.load(); }
  // No catalog or an expired one, and no backoff in force.
  bool due(int64_t ttl_s, int64_t now_ms) const;

  // Single flight: true for the one caller that may fetch, who calls end_flight() after.
  bool begin_flight();
  void end_flight() { fetching_ = false; }
  bool fetching() const { return fetching_.load(); }
  // A fetch runs and none has failed since the last good one: worth a request's wait,
  // unlike a retry in a cycle of failures.
  bool fetch_worth_waiting_for() const;

  // Puts a fetched catalog in force, saves it to disk, and ends any backoff. `warnings`:
  // what the plugin warned of while fetching it.
  void install(std::shared_ptr<const Catalog> catalog, std::vector<std::string> warnings = {});
  // Keeps the catalog, remembers why, and backs off before the next try.
  void record_failure(std::string error);
  // Forgets the catalog in memory and on disk; the next request fetches again.
  void clear();
  // Loads the disk snapshot, if any; a corrupt one is logged and ignored.
  void load_snapshot(int64_t ttl_s);

  // Unix ms before which no fetch starts; 0 when no backoff holds.
  int64_t retry_at_ms() const { return next_retry_ms_.load(); }
  GatewayCounters& counters() { return counters_; }
  GatewayStatus status(int64_t ttl_s, int64_t now_ms) const;

 private:
  void put(std::shared_ptr<const Catalog> catalog);

  const std::string gateway_;
  const CacheSettings settings_;
  const Clock& clock_;
  Publish publish_;
  GatewayCounters counters_;
  std::atomic<std::shared_ptr<const Catalog>> catalog_;
  std::atomic<bool> fetching_{false};
  std::atomic<int64_t> next_retry_ms_{0};

  mutable std::mutex error_mutex_;  // guards the four below
  std::string last_error_;
  std::vector<std::string> warnings_;
  int64_t last_error_at_ms_ = 0;
  std::string snapshot_error_;
  int consecutive_failures_ = 0;
};

}  // namespace gatehouse
