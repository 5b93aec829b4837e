// One gateway slot: its plugin, its current catalog, and the cache rules around it
// (TTL, single-flight refresh, backoff after failures, min_models, disk snapshot).
#pragma once

#include "catalog.hpp"
#include "config.hpp"
#include "metrics.hpp"
#include "plugin_instance.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace gatehouse {

enum class GatewayState { fresh, stale, fetching, empty, error };
std::string_view state_name(GatewayState state);

struct GatewayStatus {
  GatewayState state = GatewayState::empty;
  size_t models = 0;
  int64_t fetched_at_ms = 0;  // 0 = never
  std::string last_error;     // empty when the last attempt worked
  int64_t last_error_at_ms = 0;
  int64_t next_retry_at_ms = 0;  // 0 = no backoff in force
};

class Gateway : public std::enable_shared_from_this<Gateway> {
 public:
  using RunBlocking = std::function<void(std::function<void()>)>;
  using OnChange = std::function<void()>;

  // `plugin` is null when its plugin was rejected; `load_error` then says why.
  Gateway(GatewayConfig config, CacheSettings cache, std::shared_ptr<PluginInstance> plugin,
          std::string load_error, RunBlocking run_blocking, OnChange on_change);

  const GatewayConfig& config() const { return config_; }
  const PluginInstance* plugin() const { return plugin_.get(); }
  GatewayCounters& counters() { return counters_; }

  // Null until the first catalog (fetched or from the snapshot).
  std::shared_ptr<const Catalog> catalog() const { return catalog_.load(); }
  bool expired(const Catalog& catalog, int64_t now_ms) const;

  // Starts one background refresh when the catalog is missing or expired, none runs yet,
  // and no backoff holds. Lock-free when nothing is due: called on every request.
  void refresh_if_due(int64_t now_ms);
  bool fetching() const { return fetching_.load(); }
  // Unix ms before which no fetch starts (backoff after a failure); 0 when none holds.
  int64_t retry_at_ms() const { return next_retry_ms_.load(); }

  // Loads the disk snapshot, if any; a corrupt one is logged and ignored.
  void load_snapshot();

  GatewayStatus status(int64_t now_ms) const;

 private:
  void run_fetch();
  void fetch_and_swap();
  void record_failure(std::string error, int64_t now_ms);

  GatewayConfig config_;
  CacheSettings cache_;
  std::shared_ptr<PluginInstance> plugin_;
  RunBlocking run_blocking_;
  OnChange on_change_;
  GatewayCounters counters_;

  std::atomic<std::shared_ptr<const Catalog>> catalog_;
  std::atomic<bool> fetching_{false};
  std::atomic<int64_t> next_retry_ms_{0};

  mutable std::mutex error_mutex_;  // guards the three below; never taken by readers of data
  std::string last_error_;
  int64_t last_error_at_ms_ = 0;
  int consecutive_failures_ = 0;
};

int64_t unix_now_ms();

}  // namespace gatehouse
