// One gateway slot: its binding (plugin + config, swappable at run time), its current
// catalog, and the cache rules around it (TTL, single-flight refresh, backoff after
// failures, min_models, disk snapshot).
#pragma once

#include "catalog.hpp"
#include "config.hpp"
#include "gateway_bindings.hpp"
#include "metrics.hpp"
#include "plugin_instance.hpp"

#include <atomic>
#include <deque>
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

// One attempt to bind a gateway to another plugin (or the same with other options).
struct SwapRecord {
  int64_t at_ms = 0;
  std::string from, to;  // "portkey 1.0.0", or "none"
  std::string outcome;   // "ok", or why the old binding stayed
};

class Gateway : public std::enable_shared_from_this<Gateway> {
 public:
  using RunBlocking = std::function<void(std::function<void()>)>;
  using OnChange = std::function<void()>;

  Gateway(GatewayBinding binding, CacheSettings cache, RunBlocking run_blocking,
          OnChange on_change);

  const std::string& name() const { return name_; }
  // The binding in force; a rebind replaces it, holders keep the one they took.
  std::shared_ptr<const GatewayBinding> binding() const { return binding_.load(); }
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

  // Fetches with `next` and only then swaps it in with its catalog. On any failure the
  // old binding keeps serving and the returned record says why. Blocks: call it off the
  // I/O threads.
  SwapRecord rebind(GatewayBinding next);
  // The same plugin and options with other cache settings (ttl_s, min_models, aliases).
  void reconfigure(const GatewayConfig& config);
  // Fetches now, whatever the TTL (an admin refresh). Blocks. Returns "" or the error.
  std::string refresh_now();
  // Forgets the catalog in memory and on disk; the next request fetches again.
  void clear();

  GatewayStatus status(int64_t now_ms) const;
  std::vector<SwapRecord> history() const;

 private:
  struct Fetched {
    std::shared_ptr<const Catalog> catalog;  // null on failure
    std::string error;
  };
  Fetched fetch_catalog(const GatewayBinding& binding);
  void run_fetch();
  void install(std::shared_ptr<const Catalog> catalog);
  void record_failure(std::string error, int64_t now_ms);
  void record_success();

  const std::string name_;
  CacheSettings cache_;
  RunBlocking run_blocking_;
  OnChange on_change_;
  GatewayCounters counters_;

  std::atomic<std::shared_ptr<const GatewayBinding>> binding_;
  std::atomic<std::shared_ptr<const Catalog>> catalog_;
  std::atomic<bool> fetching_{false};
  std::atomic<int64_t> next_retry_ms_{0};

  // Swaps of binding or catalog happen under it, so a refresh that started on a binding
  // since replaced cannot install that binding's catalog. Readers never take it.
  std::mutex swap_mutex_;

  mutable std::mutex error_mutex_;  // guards the four below
  std::string last_error_;
  int64_t last_error_at_ms_ = 0;
  int consecutive_failures_ = 0;
  std::deque<SwapRecord> history_;
};

int64_t unix_now_ms();

}  // namespace gatehouse
