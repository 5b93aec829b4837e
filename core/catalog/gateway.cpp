#include "catalog/gateway.hpp"

#include "support/content_hash.hpp"
#include "support/log.hpp"

#include <thread>

namespace gatehouse {
namespace {

constexpr size_t invalid_models_logged = 5;
constexpr size_t history_kept = 20;
// How often a replica waiting on another's fetch looks for its catalog.
constexpr auto fleet_poll = std::chrono::milliseconds(100);

// A failed fetch the fleet backs off from together: the upstream's failures, not this
// replica's own state (superseded, busy).
bool shared_failure(FetchResult result) {
  return result == FetchResult::plugin_failed || result == FetchResult::host_failed ||
         result == FetchResult::too_few_models;
}

// Ends a flight taken with begin_flight() whatever happens: until the new catalog is in, a
// request must not start a second flight, and after it one must be able to.
struct FlightEnd {
  GatewayCache& cache;
  ~FlightEnd() { cache.end_flight(); }
};

}  // namespace

Gateway::Gateway(GatewayBinding binding, CacheSettings cache, const Clock& clock,
                 RunBlocking run_blocking, GatewayCache::Publish publish, SharedCatalogs* shared)
    : name_(binding.config.name),
      clock_(clock),
      run_blocking_(std::move(run_blocking)),
      cache_(name_, std::move(cache), clock, std::move(publish)),
      binding_(std::make_shared<const GatewayBinding>(std::move(binding))),
      shared_(shared) {}

void Gateway::refresh_if_due(int64_t now_ms) {
  std::shared_ptr<const GatewayBinding> b = binding();
  if (cache_.fetching() || !b->plugin.instance || !cache_.due(b->config.ttl_s, now_ms)) return;
  if (!cache_.begin_flight()) return;
  run_blocking_([self = shared_from_this()] { self->fly(false); });
}

FetchOutcome Gateway::fly(bool force) {
  FlightEnd end{cache_};
  std::shared_ptr<const GatewayBinding> b = binding();
  if (shared_ && b->plugin.instance) return fly_shared(b, force);
  return settle(b, fetch(*b), false);
}

SharedKey Gateway::shared_key(const GatewayBinding& binding) const {
  const LoadedPlugin& plugin = binding.plugin.instance->plugin();
  ContentHash hash;
  hash.add(plugin.name()).add(plugin.version());
  for (const auto& [key, value] : binding.config.options) hash.add(key).add(value);
  return {name_, hash.hex()};
}

void Gateway::mark_shareable(const std::shared_ptr<const Catalog>& catalog, const SharedKey& key,
                             std::string stamp) {
  std::lock_guard lock(shareable_mutex_);
  shareable_ = catalog;
  shareable_fingerprint_ = key.fingerprint;
  shareable_stamp_ = std::move(stamp);
}

std::string Gateway::shareable_stamp(const std::shared_ptr<const Catalog>& catalog,
                                     const SharedKey& key) {
  std::lock_guard lock(shareable_mutex_);
  bool ours = shareable_.lock() == catalog && shareable_fingerprint_ == key.fingerprint;
  return ours ? shareable_stamp_ : "";
}

FetchOutcome Gateway::fetch_and_share(const std::shared_ptr<const GatewayBinding>& binding,
                                      const SharedKey& key, bool store) {
  FetchOutcome outcome = settle(binding, fetch(*binding), false);
  if (!outcome.ok()) {
    if (store && shared_failure(outcome.result))
      shared_->share_failure(key, outcome.detail, retry_at_ms() - clock_.now_unix_ms());
    return outcome;
  }
  mark_shareable(outcome.catalog, key, SharedCatalogs::stamp_of(*outcome.catalog));
  if (store && shared_->store(key, *outcome.catalog)) ++counters().shared_stores;
  return outcome;
}

std::optional<FetchOutcome> Gateway::fleet_failure(
    const std::shared_ptr<const GatewayBinding>& binding, const SharedKey& key) {
  std::optional<std::string> error = shared_->failure(key);
  if (!error) return std::nullopt;
  return settle(
      binding,
      FetchOutcome::failed(FetchResult::plugin_failed,
                           "another replica's fetch failed, the fleet backs off: " + *error),
      false);
}

std::optional<FetchOutcome> Gateway::spared_a_fetch(
    const std::shared_ptr<const GatewayBinding>& binding, const SharedKey& key) {
  if (std::optional<FetchOutcome> adopted = adopt_shared(binding, key)) return adopted;
  return fleet_failure(binding, key);
}

FetchOutcome Gateway::fly_shared(const std::shared_ptr<const GatewayBinding>& b, bool force) {
  SharedKey key = shared_key(*b);
  LockWait wait;
  while (!shared_->stopping()) {
    if (binding()->plugin.instance != b->plugin.instance)
      return FetchOutcome::failed(FetchResult::superseded,
                                  "the gateway was rebound meanwhile; nothing changed");
    if (!force)
      if (std::optional<FetchOutcome> spared = spared_a_fetch(b, key)) return std::move(*spared);
    SharedCatalogs::LockState lock = shared_->lock(key);
    switch (lock.lock) {
      case SharedCatalogs::Lock::unavailable:  // Redis is down: alone, as without the tier
        return fetch_and_share(b, key, false);
      case SharedCatalogs::Lock::taken: {
        struct Unlock {
          SharedCatalogs& shared;
          const SharedKey& key;
          ~Unlock() { shared.unlock(key); }
        } unlock{*shared_, key};
        // Another replica may have stored one between the look above and the lock.
        if (!force)
          if (std::optional<FetchOutcome> spared = spared_a_fetch(b, key))
            return std::move(*spared);
        return fetch_and_share(b, key, true);
      }
      case SharedCatalogs::Lock::held:
        // Another replica fetches: serve what we have and wait for its catalog (or for its
        // lock to expire, if it died), lock_ms at most for one holder. Its fetch is as new
        // as ours would be.
        force = false;
        if (waited_too_long(wait, lock.holder)) {
          log_warn("gateway '" + name_ + "': the fleet's fetch lock, held by '" +
                   lock.holder.substr(0, 64) + "', was not released within redis_lock_ms (" +
                   std::to_string(shared_->settings().lock_ms) + " ms); fetching alone");
          return fetch_and_share(b, key, true);
        }
        std::this_thread::sleep_for(fleet_poll);
    }
  }
  return FetchOutcome::failed(FetchResult::superseded, "stopping; nothing changed");
}

bool Gateway::waited_too_long(LockWait& wait, const std::string& holder) const {
  int64_t now = clock_.now_unix_ms();
  if (wait.holder != holder || wait.since_ms == 0) wait = {holder, now};
  return now - wait.since_ms >= shared_->settings().lock_ms;
}

std::optional<FetchOutcome> Gateway::adopt_shared(
    const std::shared_ptr<const GatewayBinding>& binding, const SharedKey& key) {
  std::optional<SharedEntry> entry = shared_->entry(key);
  if (!entry || !newer_than_ours(*entry, key)) return std::nullopt;
  std::optional<Snapshot> snapshot = shared_->load(key, *entry);
  if (!snapshot) return std::nullopt;
  auto fleet =
      std::make_shared<const Catalog>(std::move(snapshot->models), snapshot->fetched_at_ms);
  fleet->build_indexes();
  ++counters().shared_loads;
  log_info("gateway '" + name_ + "': " + std::to_string(fleet->size()) +
           " models from the fleet (redis), fetched at " +
           std::to_string(fleet->fetched_at_ms() / 1000));
  FetchOutcome outcome = settle(binding, {FetchResult::ok, fleet, "", {}}, false);
  if (outcome.ok()) mark_shareable(fleet, key, entry->stamp);
  return outcome;
}

bool Gateway::newer_than_ours(const SharedEntry& entry, const SharedKey& key) {
  if (entry.state != SharedEntry::State::usable) return false;
  std::shared_ptr<const Catalog> current = catalog();
  if (!current) return true;
  // The entry ours came from, or was stored as: not newer, whatever its stamp says (one
  // from the future, clamped to now, would otherwise be newer at every look).
  if (shareable_stamp(current, key) == entry.stamp) return false;
  return entry.fetched_at_ms > current->fetched_at_ms();
}

void Gateway::check_shared() {
  std::shared_ptr<const GatewayBinding> b = binding();
  if (!shared_ || !b->plugin.instance || !cache_.begin_flight()) return;
  run_blocking_([self = shared_from_this(), b] {
    FlightEnd end{self->cache_};
    // This flight may have kept a due refresh from starting (one flight at a time): then
    // it is that refresh.
    if (self->cache_.due(b->config.ttl_s, self->clock_.now_unix_ms()))
      self->fly_shared(b, false);
    else
      self->sync_shared(b);
  });
}

void Gateway::sync_shared(const std::shared_ptr<const GatewayBinding>& b) {
  SharedKey key = shared_key(*b);
  if (adopt_shared(b, key)) return;
  std::shared_ptr<const Catalog> current = catalog();
  if (!current || shareable_stamp(current, key).empty()) return;
  std::optional<SharedEntry> fleet = shared_->entry(key);
  if (!fleet) return;  // down, not empty
  if (fleet->state == SharedEntry::State::usable &&
      fleet->fetched_at_ms >= current->fetched_at_ms())
    return;
  if (shared_->store(key, *current)) {
    ++counters().shared_stores;
    mark_shareable(current, key, SharedCatalogs::stamp_of(*current));
  }
}

FetchOutcome Gateway::fetch(const GatewayBinding& binding) {
  const std::shared_ptr<PluginInstance>& instance = binding.plugin.instance;
  if (!instance) return FetchOutcome::failed(FetchResult::no_plugin, binding.plugin.error);
  int64_t started_ms = clock_.now_unix_ms();
  ModelRecords records;
  size_t dropped = 0;
  CallResult result;
  try {
    result = instance->fetch([&](const gatehouse_model& model) {
      try {
        records.push_back(std::make_shared<const ModelRecord>(make_model_record(model, name_)));
      } catch (const InvalidModel& e) {
        if (++dropped <= invalid_models_logged)
          log_warn("gateway '" + name_ + "': dropped " + instance->redact(e.what()));
      }
      return GATEHOUSE_OK;
    });
  } catch (const std::exception& e) {
    ++counters().fetch_error;
    return FetchOutcome::failed(FetchResult::host_failed,
                                "fetch failed in the host: " + instance->redact(e.what()));
  }
  counters().models_dropped += dropped;
  if (!result.ok()) {
    ++counters().fetch_error;
    return FetchOutcome::failed(
        FetchResult::plugin_failed,
        "fetch failed: " + std::string(status_name(result.status)) + ": " + result.message);
  }
  if (static_cast<int64_t>(records.size()) < binding.config.min_models) {
    ++counters().fetch_rejected;
    return FetchOutcome::failed(
        FetchResult::too_few_models,
        "fetch returned " + std::to_string(records.size()) +
            " valid models, fewer than min_models = " + std::to_string(binding.config.min_models) +
            "; kept the last good catalog");
  }
  ++counters().fetch_ok;
  auto catalog = std::make_shared<const Catalog>(std::move(records), clock_.now_unix_ms());
  catalog->build_indexes();  // here, on the fetch thread: published ready for every query
  log_info("gateway '" + name_ + "': " + std::to_string(catalog->size()) + " models from " +
           binding.plugin.label() +
           (dropped ? ", " + std::to_string(dropped) + " invalid dropped" : "") + " in " +
           std::to_string(clock_.now_unix_ms() - started_ms) + " ms");
  return {FetchResult::ok, catalog, "", std::move(result.warnings)};
}

FetchOutcome Gateway::settle(const std::shared_ptr<const GatewayBinding>& binding,
                             FetchOutcome outcome, bool adopt) {
  std::lock_guard lock(swap_mutex_);
  if (adopt) {
    // A failed rebind changes nothing: the old binding and its state stay as they were.
    if (!outcome.ok()) return outcome;
    binding_.store(binding);
  } else if (binding_.load()->plugin.instance != binding->plugin.instance) {
    // Rebound meanwhile (a reconfigure keeps the instance, and the fetch with it).
    return FetchOutcome::failed(FetchResult::superseded,
                                "the gateway was rebound meanwhile; nothing changed");
  }
  if (outcome.ok())
    cache_.install(outcome.catalog, outcome.warnings);
  else
    cache_.record_failure(outcome.detail);
  return outcome;
}

SwapRecord Gateway::rebind(GatewayBinding next) {
  auto incoming = std::make_shared<const GatewayBinding>(std::move(next));
  // Rebinds are one at a time (the registry's lock), so `from` stays true while this runs.
  int64_t started_ms = clock_.now_unix_ms();
  std::string from = binding()->plugin.label();
  FetchOutcome outcome = settle(incoming, fetch(*incoming), true);
  if (outcome.ok() && shared_) {  // the fleet's replicas bound alike need not fetch it again
    SharedKey key = shared_key(*incoming);
    mark_shareable(outcome.catalog, key, SharedCatalogs::stamp_of(*outcome.catalog));
    if (shared_->store(key, *outcome.catalog)) ++counters().shared_stores;
  }
  SwapRecord record{started_ms, from, incoming->plugin.label(), outcome.result, outcome.detail};
  log_info("gateway '" + name_ + "': rebind " + record.from + " -> " + record.to + ": " +
           record.outcome());
  std::lock_guard lock(history_mutex_);
  history_.push_back(record);
  if (history_.size() > history_kept) history_.pop_front();
  return record;
}

void Gateway::reconfigure(GatewayConfig config) {
  std::lock_guard lock(swap_mutex_);
  binding_.store(
      std::make_shared<const GatewayBinding>(GatewayBinding{std::move(config), binding()->plugin}));
}

FetchOutcome Gateway::refresh_now() {
  // One fetch per gateway at a time, however many ask: no caller can fill the fetch
  // threads with one gateway's fetches and starve the others.
  if (!cache_.begin_flight())
    return FetchOutcome::failed(FetchResult::busy, "a fetch of gateway '" + name_ +
                                                       "' is running; its catalog will be "
                                                       "served when it ends");
  return fly(true);
}

void Gateway::clear() {
  std::lock_guard lock(swap_mutex_);
  cache_.clear();
}

void Gateway::load_snapshot() { cache_.load_snapshot(binding()->config.ttl_s); }

GatewayStatus Gateway::status(int64_t now_ms) const {
  std::shared_ptr<const GatewayBinding> b = binding();
  GatewayStatus s = cache_.status(b->config.ttl_s, now_ms);
  if (!b->plugin.instance && s.last_error.empty()) {
    // Rejected at bind time: nothing was fetched, so the cache knows no error of its own.
    s.state = GatewayState::error;
    s.last_error = b->plugin.error;
    s.last_error_at_ms = b->plugin.bound_at_ms;
  }
  return s;
}

std::vector<SwapRecord> Gateway::history() const {
  std::lock_guard lock(history_mutex_);
  return {history_.begin(), history_.end()};
}

}  // namespace gatehouse
