#include "catalog/gateway_cache.hpp"

#include "catalog/snapshot_store.hpp"
#include "support/log.hpp"

#include <algorithm>

namespace gatehouse {

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

GatewayCache::GatewayCache(std::string gateway, CacheSettings settings, const Clock& clock,
                           Publish publish)
    : gateway_(std::move(gateway)),
      settings_(std::move(settings)),
      clock_(clock),
      publish_(std::move(publish)) {}

bool expired_at(int64_t fetched_at_ms, int64_t ttl_s, int64_t now_ms) {
  // A time from the future (a snapshot written under a clock since set back, or made up)
  // or from before 1970 cannot be trusted to be fresh; and the subtraction below cannot
  // overflow once both are known to lie between 0 and now.
  if (fetched_at_ms <= 0 || fetched_at_ms > now_ms) return true;
  return now_ms - fetched_at_ms >= ttl_s * 1000;
}

bool GatewayCache::due(int64_t ttl_s, int64_t now_ms) const {
  if (now_ms < next_retry_ms_.load()) return false;
  std::shared_ptr<const Catalog> current = catalog_.load();
  return !current || expired_at(current->fetched_at_ms(), ttl_s, now_ms);
}

bool GatewayCache::begin_flight() {
  bool idle = false;
  return fetching_.compare_exchange_strong(idle, true);
}

bool GatewayCache::fetch_worth_waiting_for() const {
  if (!fetching_.load()) return false;
  std::lock_guard lock(error_mutex_);
  return last_error_.empty();
}

void GatewayCache::put(std::shared_ptr<const Catalog> catalog) {
  publish_(*this, catalog, [&] { catalog_.store(catalog); });
}

void GatewayCache::install(std::shared_ptr<const Catalog> catalog,
                           std::vector<std::string> warnings) {
  put(catalog);
  std::string snapshot_error;
  try {
    write_snapshot(settings_.dir, gateway_, *catalog);
  } catch (const SnapshotError& e) {
    snapshot_error = e.what();
    log_error("gateway '" + gateway_ + "': " + snapshot_error);
  }
  std::lock_guard lock(error_mutex_);
  snapshot_error_ = std::move(snapshot_error);
  last_error_.clear();
  warnings_ = std::move(warnings);
  consecutive_failures_ = 0;
  next_retry_ms_ = 0;
}

void GatewayCache::record_failure(std::string error) {
  std::lock_guard lock(error_mutex_);
  last_error_ = std::move(error);
  last_error_at_ms_ = clock_.now_unix_ms();
  int doublings = std::min(consecutive_failures_++, 30);
  int64_t backoff = std::min(settings_.retry_initial_ms << doublings, settings_.retry_max_ms);
  next_retry_ms_ = last_error_at_ms_ + backoff;
  log_error("gateway '" + gateway_ + "': " + last_error_ + "; next try in " +
            std::to_string(backoff) + " ms");
}

void GatewayCache::clear() {
  // The backoff ends first: a request that finds no catalog must be free to fetch one
  // (the other way round, one in between answered 503 without trying).
  next_retry_ms_ = 0;
  put(nullptr);
  try {
    remove_snapshot(settings_.dir, gateway_);
  } catch (const SnapshotError& e) {
    log_error("gateway '" + gateway_ + "': " + e.what());
  }
}

void GatewayCache::load_snapshot(int64_t ttl_s) {
  try {
    std::optional<Snapshot> snapshot = read_snapshot(settings_.dir, gateway_);
    if (!snapshot) return;
    auto catalog =
        std::make_shared<const Catalog>(std::move(snapshot->models), snapshot->fetched_at_ms);
    put(catalog);
    log_info("gateway '" + gateway_ + "': " + std::to_string(catalog->size()) +
             " models from the snapshot of " + std::to_string(catalog->fetched_at_ms() / 1000) +
             (expired_at(catalog->fetched_at_ms(), ttl_s, clock_.now_unix_ms()) ? " (stale)" : ""));
  } catch (const SnapshotError& e) {
    log_error("gateway '" + gateway_ + "': ignored " + e.what());
  }
}

GatewayStatus GatewayCache::status(int64_t ttl_s, int64_t now_ms) const {
  GatewayStatus s;
  std::shared_ptr<const Catalog> current = catalog_.load();
  if (current) {
    s.models = current->size();
    s.fetched_at_ms = current->fetched_at_ms();
  }
  {
    std::lock_guard lock(error_mutex_);
    s.last_error = last_error_;
    s.warnings = warnings_;
    s.last_error_at_ms = last_error_at_ms_;
    s.snapshot_error = snapshot_error_;
  }
  s.next_retry_at_ms = next_retry_ms_.load();
  if (fetching_.load())
    s.state = GatewayState::fetching;
  else if (!s.last_error.empty())
    s.state = GatewayState::error;
  else if (!current)
    s.state = GatewayState::empty;
  else
    s.state = expired_at(current->fetched_at_ms(), ttl_s, now_ms) ? GatewayState::stale
                                                                  : GatewayState::fresh;
  return s;
}

}  // namespace gatehouse
