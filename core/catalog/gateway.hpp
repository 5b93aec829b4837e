// One gateway slot (`hug`): what it is bound to (a plugin and its config, swappable at
// run time, with the history of swaps) and its cache. Every fetch, whether a background
// refresh, an admin refresh or a rebind, goes through one path: fetch, then settle.
#pragma once

#include "catalog/fetch_outcome.hpp"
#include "catalog/gateway_cache.hpp"
#include "catalog/gateway_config.hpp"
#include "catalog/shared_catalogs.hpp"
#include "plugin_host/plugin_binding.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gatehouse {

// What a slot is bound to: its config and the plugin instance made from it. Immutable.
struct GatewayBinding {
  GatewayConfig config;
  PluginBinding plugin;
};

// One attempt to bind a slot to another plugin (or the same with other options).
struct SwapRecord {
  int64_t at_ms = 0;
  std::string from, to;  // "portkey 1.0.0", or "none"
  FetchResult result = FetchResult::ok;
  std::string detail;  // why the old binding stayed

  bool ok() const { return result == FetchResult::ok; }
  std::string outcome() const { return ok() ? "ok" : detail; }
};

class Gateway : public std::enable_shared_from_this<Gateway> {
 public:
  using RunBlocking = std::function<void(std::function<void()>)>;

  // `shared`: the fleet's tier, or null to work alone; it must outlive this.
  Gateway(GatewayBinding binding, CacheSettings cache, const Clock& clock, RunBlocking run_blocking,
          GatewayCache::Publish publish, SharedCatalogs* shared = nullptr);

  const std::string& name() const { return name_; }
  // The binding in force; a rebind replaces it, holders keep the one they took.
  std::shared_ptr<const GatewayBinding> binding() const { return binding_.load(); }
  std::shared_ptr<const Catalog> catalog() const { return cache_.catalog(); }
  GatewayCounters& counters() { return cache_.counters(); }
  bool fetching() const { return cache_.fetching(); }
  bool fetch_worth_waiting_for() const { return cache_.fetch_worth_waiting_for(); }
  bool owns(const GatewayCache& cache) const { return &cache == &cache_; }
  int64_t retry_at_ms() const { return cache_.retry_at_ms(); }

  // Starts one background refresh when one is due and none runs. Lock-free when nothing
  // is due: called on every request.
  void refresh_if_due(int64_t now_ms);
  void load_snapshot();

  // Fetches with `next` and only then swaps it in with its catalog. On any failure the old
  // binding keeps serving and the record says why. Blocks: call it off the I/O threads.
  SwapRecord rebind(GatewayBinding next);
  // The same plugin and options with other cache settings (ttl_s, min_models, aliases).
  void reconfigure(GatewayConfig config);
  // Fetches now, whatever the TTL (an admin refresh), unless a fetch runs already (busy).
  // Blocks.
  FetchOutcome refresh_now();
  // Forgets the catalog in memory and on disk; the next request fetches again.
  void clear();

  // The shared tier's check (an announcement, or the periodic one): takes the fleet's
  // catalog when it is newer than this one, or gives the fleet this one when the fleet's
  // is older or gone (Redis restarted, or this replica fetched alone while it was down).
  // Runs the transfer on the fetch threads; when the catalog is due, it is a refresh.
  void check_shared();

  GatewayStatus status(int64_t now_ms) const;
  std::vector<SwapRecord> history() const;

 private:
  // Runs the binding's plugin and builds its catalog. Never throws.
  FetchOutcome fetch(const GatewayBinding& binding);
  // Installs a good outcome, or records a failure, when `binding`'s plugin instance is (or,
  // adopting, becomes) the one in force; a result for an instance replaced meanwhile is
  // superseded.
  FetchOutcome settle(const std::shared_ptr<const GatewayBinding>& binding, FetchOutcome outcome,
                      bool adopt);
  // The flight taken with begin_flight(): fetch and settle, and end the flight. `force`:
  // fetch even when the fleet has a newer catalog (an admin refresh).
  FetchOutcome fly(bool force);
  // With the shared tier: the fleet's catalog when it is newer than ours; else a fetch
  // under the fleet's lock, or a wait for the replica that holds it.
  FetchOutcome fly_shared(const std::shared_ptr<const GatewayBinding>& binding, bool force);
  // Installs the fleet's catalog when it is newer than ours; nullopt when it is not.
  std::optional<FetchOutcome> adopt_shared(const std::shared_ptr<const GatewayBinding>& binding,
                                           const SharedKey& key);
  bool newer_than_ours(const SharedEntry& entry, const SharedKey& key);
  // What spares this replica a fetch: the fleet's newer catalog (installed), or a failure
  // the fleet backs off from (recorded); nullopt when neither.
  std::optional<FetchOutcome> spared_a_fetch(const std::shared_ptr<const GatewayBinding>& binding,
                                             const SharedKey& key);
  // Records the failure another replica shared, within its backoff; nullopt when none.
  std::optional<FetchOutcome> fleet_failure(const std::shared_ptr<const GatewayBinding>& binding,
                                            const SharedKey& key);
  // Whose lock this replica waits on, since when.
  struct LockWait {
    std::string holder;
    int64_t since_ms = 0;
  };
  // True when one holder has kept the lock for lock_ms while we waited.
  bool waited_too_long(LockWait& wait, const std::string& holder) const;
  // Fetches and settles; a good catalog becomes shareable under `key`, and with `store`
  // goes to the fleet at once.
  FetchOutcome fetch_and_share(const std::shared_ptr<const GatewayBinding>& binding,
                               const SharedKey& key, bool store);
  // check_shared()'s work, in a flight.
  void sync_shared(const std::shared_ptr<const GatewayBinding>& binding);
  SharedKey shared_key(const GatewayBinding& binding) const;
  // Remembers that `catalog` is the fleet's (or may be) under `key`'s binding, as the entry
  // stamped `stamp`.
  void mark_shareable(const std::shared_ptr<const Catalog>& catalog, const SharedKey& key,
                      std::string stamp);
  // The stamp of `catalog` when it is shareable under `key`; "" when it is not.
  std::string shareable_stamp(const std::shared_ptr<const Catalog>& catalog, const SharedKey& key);

  const std::string name_;
  const Clock& clock_;
  RunBlocking run_blocking_;
  GatewayCache cache_;
  std::atomic<std::shared_ptr<const GatewayBinding>> binding_;
  SharedCatalogs* const shared_;

  // The catalog this replica may give the fleet, with its binding's fingerprint: one it
  // fetched or took from the fleet, never a disk snapshot (whose binding is unknown).
  std::mutex shareable_mutex_;
  std::weak_ptr<const Catalog> shareable_;
  std::string shareable_fingerprint_;
  std::string shareable_stamp_;

  // Binding and catalog change together under it, so a refresh that started on a binding
  // since replaced cannot install that binding's catalog. Readers never take it.
  std::mutex swap_mutex_;
  mutable std::mutex history_mutex_;
  std::deque<SwapRecord> history_;
};

}  // namespace gatehouse
