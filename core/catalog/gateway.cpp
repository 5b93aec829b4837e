#include "gateway.hpp"

#include "log.hpp"
#include "snapshot_store.hpp"

#include <chrono>

namespace gatehouse {
namespace {

constexpr size_t invalid_models_logged = 5;
constexpr size_t history_kept = 20;

std::string plugin_label(const GatewayBinding& b) {
  if (!b.instance) return "none";
  return b.instance->plugin().name() + " " + b.instance->plugin().version();
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

Gateway::Gateway(GatewayBinding binding, CacheSettings cache, RunBlocking run_blocking,
                 OnChange on_change)
    : name_(binding.config.name),
      cache_(std::move(cache)),
      run_blocking_(std::move(run_blocking)),
      on_change_(std::move(on_change)) {
  last_error_ = binding.error;
  if (!last_error_.empty()) last_error_at_ms_ = unix_now_ms();
  binding_.store(std::make_shared<const GatewayBinding>(std::move(binding)));
}

bool Gateway::expired(const Catalog& catalog, int64_t now_ms) const {
  return now_ms - catalog.fetched_at_ms() >= binding()->config.ttl_s * 1000;
}

void Gateway::refresh_if_due(int64_t now_ms) {
  if (fetching_.load() || now_ms < next_retry_ms_.load() || !binding()->instance) return;
  std::shared_ptr<const Catalog> current = catalog_.load();
  if (current && !expired(*current, now_ms)) return;
  bool idle = false;
  if (!fetching_.compare_exchange_strong(idle, true)) return;  // single flight
  run_blocking_([self = shared_from_this()] { self->run_fetch(); });
}

void Gateway::run_fetch() {
  std::shared_ptr<const GatewayBinding> binding = binding_.load();
  Fetched fetched;
  try {
    fetched = fetch_catalog(*binding);
  } catch (const std::exception& e) {
    fetched.error = std::string("fetch failed in the host: ") + e.what();
  }
  std::lock_guard lock(swap_mutex_);
  // Rebound while this ran: its result belongs to a binding no longer in force.
  if (binding_.load() == binding) {
    if (fetched.catalog) {
      record_success();
      install(fetched.catalog);
    } else {
      record_failure(fetched.error, unix_now_ms());
    }
  }
  // Last: until the new catalog is in, a request must not start a second flight.
  fetching_ = false;
}

Gateway::Fetched Gateway::fetch_catalog(const GatewayBinding& binding) {
  if (!binding.instance) return {nullptr, binding.error};
  int64_t started_ms = unix_now_ms();
  ModelRecords records;
  size_t dropped = 0;
  CallResult result = binding.instance->fetch([&](const gatehouse_model& model) {
    try {
      records.push_back(std::make_shared<const ModelRecord>(make_model_record(model, name_)));
    } catch (const InvalidModel& e) {
      if (++dropped <= invalid_models_logged)
        log_warn("gateway '" + name_ + "': dropped " + e.what());
    }
    return GATEHOUSE_OK;
  });
  counters_.models_dropped += dropped;
  if (!result.ok()) {
    ++counters_.fetch_error;
    return {nullptr,
            "fetch failed: " + std::string(status_name(result.status)) + ": " + result.message};
  }
  if (static_cast<int64_t>(records.size()) < binding.config.min_models) {
    ++counters_.fetch_rejected;
    return {nullptr, "fetch returned " + std::to_string(records.size()) +
                         " valid models, fewer than min_models = " +
                         std::to_string(binding.config.min_models) +
                         "; kept the last good catalog"};
  }
  ++counters_.fetch_ok;
  auto catalog = std::make_shared<const Catalog>(std::move(records), name_, unix_now_ms());
  log_info("gateway '" + name_ + "': " + std::to_string(catalog->size()) + " models from " +
           plugin_label(binding) +
           (dropped ? ", " + std::to_string(dropped) + " invalid dropped" : "") + " in " +
           std::to_string(unix_now_ms() - started_ms) + " ms");
  return {catalog, ""};
}

// Called with swap_mutex_ held.
void Gateway::install(std::shared_ptr<const Catalog> catalog) {
  catalog_.store(catalog);
  on_change_();
  try {
    write_snapshot(cache_.dir, name_, *catalog);
  } catch (const SnapshotError& e) {
    log_error("gateway '" + name_ + "': " + e.what());
  }
}

void Gateway::record_success() {
  std::lock_guard lock(error_mutex_);
  last_error_.clear();
  consecutive_failures_ = 0;
  next_retry_ms_ = 0;
}

void Gateway::record_failure(std::string error, int64_t now_ms) {
  std::lock_guard lock(error_mutex_);
  last_error_ = std::move(error);
  last_error_at_ms_ = now_ms;
  int doublings = std::min(consecutive_failures_++, 30);
  int64_t backoff = std::min(cache_.retry_initial_ms << doublings, cache_.retry_max_ms);
  next_retry_ms_ = unix_now_ms() + backoff;
  log_error("gateway '" + name_ + "': " + last_error_ + "; next try in " + std::to_string(backoff) +
            " ms");
}

SwapRecord Gateway::rebind(GatewayBinding next) {
  auto incoming = std::make_shared<const GatewayBinding>(std::move(next));
  SwapRecord record{unix_now_ms(), plugin_label(*binding()), plugin_label(*incoming), "ok"};
  Fetched fetched;
  try {
    fetched = incoming->instance ? fetch_catalog(*incoming) : Fetched{nullptr, incoming->error};
  } catch (const std::exception& e) {
    fetched.error = std::string("fetch failed in the host: ") + e.what();
  }
  if (!fetched.catalog) {
    record.outcome = fetched.error;
  } else {
    std::lock_guard lock(swap_mutex_);
    record.from = plugin_label(*binding());
    binding_.store(incoming);
    install(fetched.catalog);
    record_success();
  }
  log_info("gateway '" + name_ + "': rebind " + record.from + " -> " + record.to + ": " +
           record.outcome);
  std::lock_guard lock(error_mutex_);
  history_.push_back(record);
  if (history_.size() > history_kept) history_.pop_front();
  return record;
}

void Gateway::reconfigure(const GatewayConfig& config) {
  std::lock_guard lock(swap_mutex_);
  GatewayBinding updated = *binding();
  updated.config = config;
  binding_.store(std::make_shared<const GatewayBinding>(std::move(updated)));
  on_change_();
}

std::string Gateway::refresh_now() {
  std::shared_ptr<const GatewayBinding> binding = binding_.load();
  Fetched fetched = fetch_catalog(*binding);
  if (!fetched.catalog) {
    record_failure(fetched.error, unix_now_ms());
    return fetched.error;
  }
  {
    std::lock_guard lock(swap_mutex_);
    if (binding_.load() != binding) return "the gateway was rebound meanwhile; nothing changed";
    install(fetched.catalog);
  }
  record_success();
  return "";
}

void Gateway::clear() {
  std::lock_guard lock(swap_mutex_);
  catalog_.store(nullptr);
  try {
    remove_snapshot(cache_.dir, name_);
  } catch (const SnapshotError& e) {
    log_error("gateway '" + name_ + "': " + e.what());
  }
  next_retry_ms_ = 0;
  on_change_();
}

void Gateway::load_snapshot() {
  try {
    std::optional<Snapshot> snapshot = read_snapshot(cache_.dir, name_);
    if (!snapshot) return;
    auto catalog = std::make_shared<const Catalog>(std::move(snapshot->models), name_,
                                                   snapshot->fetched_at_ms);
    catalog_.store(catalog);
    log_info("gateway '" + name_ + "': " + std::to_string(catalog->size()) +
             " models from the snapshot of " + std::to_string(catalog->fetched_at_ms() / 1000) +
             (expired(*catalog, unix_now_ms()) ? " (stale)" : ""));
  } catch (const SnapshotError& e) {
    log_error("gateway '" + name_ + "': ignored " + e.what());
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

std::vector<SwapRecord> Gateway::history() const {
  std::lock_guard lock(error_mutex_);
  return {history_.begin(), history_.end()};
}

}  // namespace gatehouse
