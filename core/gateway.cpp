#include "gateway.hpp"

#include "log.hpp"
#include "snapshot_store.hpp"

#include <chrono>

namespace gatehouse {
namespace {

constexpr size_t invalid_models_logged = 5;

std::string plugin_label(const PluginInstance& plugin) {
  return plugin.plugin().name() + " " + plugin.plugin().version();
}

}  // namespace

int64_t unix_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string_view state_name(GatewayState state) {
  switch (state) {
    case GatewayState::fresh: return "fresh";
    case GatewayState::stale: return "stale";
    case GatewayState::fetching: return "fetching";
    case GatewayState::empty: return "empty";
    case GatewayState::error: return "error";
  }
  return "?";
}

Gateway::Gateway(GatewayConfig config, CacheSettings cache, std::shared_ptr<PluginInstance> plugin,
                 std::string load_error, RunBlocking run_blocking, OnChange on_change)
    : config_(std::move(config)),
      cache_(std::move(cache)),
      plugin_(std::move(plugin)),
      run_blocking_(std::move(run_blocking)),
      on_change_(std::move(on_change)),
      last_error_(std::move(load_error)) {
  if (!last_error_.empty()) last_error_at_ms_ = unix_now_ms();
}

bool Gateway::expired(const Catalog& catalog, int64_t now_ms) const {
  return now_ms - catalog.fetched_at_ms() >= config_.ttl_s * 1000;
}

void Gateway::refresh_if_due(int64_t now_ms) {
  if (!plugin_ || fetching_.load() || now_ms < next_retry_ms_.load()) return;
  std::shared_ptr<const Catalog> current = catalog_.load();
  if (current && !expired(*current, now_ms)) return;
  bool idle = false;
  if (!fetching_.compare_exchange_strong(idle, true)) return;  // single flight
  run_blocking_([self = shared_from_this()] { self->run_fetch(); });
}

void Gateway::run_fetch() {
  try {
    fetch_and_swap();
  } catch (const std::exception& e) {
    // Whatever went wrong, the flight must end, or this gateway would never fetch again.
    ++counters_.fetch_error;
    record_failure(std::string("fetch failed in the host: ") + e.what(), unix_now_ms());
  }
}

void Gateway::fetch_and_swap() {
  int64_t started_ms = unix_now_ms();
  ModelRecords records;
  size_t dropped = 0;
  CallResult result = plugin_->fetch([&](const gatehouse_model& model) {
    try {
      records.push_back(
          std::make_shared<const ModelRecord>(make_model_record(model, config_.name)));
    } catch (const InvalidModel& e) {
      if (++dropped <= invalid_models_logged)
        log_warn("gateway '" + config_.name + "': dropped " + e.what());
    }
    return GATEHOUSE_OK;
  });
  counters_.models_dropped += dropped;
  if (!result.ok()) {
    ++counters_.fetch_error;
    record_failure(
        "fetch failed: " + std::string(status_name(result.status)) + ": " + result.message,
        started_ms);
    return;
  }
  if (static_cast<int64_t>(records.size()) < config_.min_models) {
    ++counters_.fetch_rejected;
    record_failure("fetch returned " + std::to_string(records.size()) +
                       " valid models, fewer than min_models = " +
                       std::to_string(config_.min_models) + "; kept the last good catalog",
                   started_ms);
    return;
  }
  auto catalog = std::make_shared<const Catalog>(std::move(records), config_.name, unix_now_ms());
  ++counters_.fetch_ok;
  {
    std::lock_guard lock(error_mutex_);
    last_error_.clear();
    consecutive_failures_ = 0;
  }
  next_retry_ms_ = 0;
  catalog_.store(catalog);
  fetching_ = false;
  log_info("gateway '" + config_.name + "': " + std::to_string(catalog->size()) + " models from " +
           plugin_label(*plugin_) +
           (dropped ? ", " + std::to_string(dropped) + " invalid dropped" : "") + " in " +
           std::to_string(unix_now_ms() - started_ms) + " ms");
  on_change_();
  try {
    write_snapshot(cache_.dir, config_.name, *catalog);
  } catch (const SnapshotError& e) {
    log_error("gateway '" + config_.name + "': " + e.what());
  }
}

void Gateway::record_failure(std::string error, int64_t now_ms) {
  int64_t backoff;
  {
    std::lock_guard lock(error_mutex_);
    last_error_ = std::move(error);
    last_error_at_ms_ = now_ms;
    int doublings = std::min(consecutive_failures_++, 30);
    backoff = std::min(cache_.retry_initial_ms << doublings, cache_.retry_max_ms);
    log_error("gateway '" + config_.name + "': " + last_error_ + "; next try in " +
              std::to_string(backoff) + " ms");
  }
  next_retry_ms_ = unix_now_ms() + backoff;
  fetching_ = false;
}

void Gateway::load_snapshot() {
  try {
    std::optional<Snapshot> snapshot = read_snapshot(cache_.dir, config_.name);
    if (!snapshot) return;
    auto catalog = std::make_shared<const Catalog>(std::move(snapshot->models), config_.name,
                                                   snapshot->fetched_at_ms);
    catalog_.store(catalog);
    log_info("gateway '" + config_.name + "': " + std::to_string(catalog->size()) +
             " models from the snapshot of " + std::to_string(catalog->fetched_at_ms() / 1000) +
             (expired(*catalog, unix_now_ms()) ? " (stale)" : ""));
  } catch (const SnapshotError& e) {
    log_error("gateway '" + config_.name + "': ignored " + e.what());
  }
}

GatewayStatus Gateway::status(int64_t now_ms) const {
  GatewayStatus s;
  std::shared_ptr<const Catalog> current = catalog_.load();
  if (current) {
    s.models = current->size();
    s.fetched_at_ms = current->fetched_at_ms();
  }
  {
    std::lock_guard lock(error_mutex_);
    s.last_error = last_error_;
    s.last_error_at_ms = last_error_at_ms_;
  }
  s.next_retry_at_ms = next_retry_ms_.load();
  if (fetching_.load())
    s.state = GatewayState::fetching;
  else if (!s.last_error.empty())
    s.state = GatewayState::error;
  else if (!current)
    s.state = GatewayState::empty;
  else
    s.state = expired(*current, now_ms) ? GatewayState::stale : GatewayState::fresh;
  return s;
}

}  // namespace gatehouse
