#include "catalog/gateway.hpp"

#include "support/log.hpp"

namespace gatehouse {
namespace {

constexpr size_t invalid_models_logged = 5;
constexpr size_t history_kept = 20;

}  // namespace

Gateway::Gateway(GatewayBinding binding, CacheSettings cache, const Clock& clock,
                 RunBlocking run_blocking, GatewayCache::Publish publish)
    : name_(binding.config.name),
      clock_(clock),
      run_blocking_(std::move(run_blocking)),
      cache_(name_, std::move(cache), clock, std::move(publish)),
      binding_(std::make_shared<const GatewayBinding>(std::move(binding))) {}

void Gateway::refresh_if_due(int64_t now_ms) {
  std::shared_ptr<const GatewayBinding> b = binding();
  if (cache_.fetching() || !b->plugin.instance || !cache_.due(b->config.ttl_s, now_ms)) return;
  if (!cache_.begin_flight()) return;
  run_blocking_([self = shared_from_this()] { self->fly(); });
}

FetchOutcome Gateway::fly() {
  // Last, and whatever happens: until the new catalog is in, a request must not start a
  // second flight, and after it one must be able to.
  struct EndFlight {
    GatewayCache& cache;
    ~EndFlight() { cache.end_flight(); }
  } end_flight{cache_};
  std::shared_ptr<const GatewayBinding> b = binding();
  return settle(b, fetch(*b), false);
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
          log_warn("gateway '" + name_ + "': dropped " + e.what());
      }
      return GATEHOUSE_OK;
    });
  } catch (const std::exception& e) {
    ++counters().fetch_error;
    return FetchOutcome::failed(FetchResult::host_failed,
                                std::string("fetch failed in the host: ") + e.what());
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
  return fly();
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
