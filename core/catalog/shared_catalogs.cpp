#include "catalog/shared_catalogs.hpp"

#include "support/content_hash.hpp"
#include "support/gzip.hpp"
#include "support/log.hpp"

#include <unistd.h>

#include <charconv>
#include <random>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;

constexpr int64_t backoff_first_ms = 500;
constexpr int64_t backoff_max_ms = 30000;
constexpr size_t snapshot_limit = size_t{4} << 30;  // a stored catalog inflates to 4 GB at most
constexpr auto watch_step = 200ms;                  // how soon the watcher sees stop()
constexpr const char* kept_ms = "604800000";        // a catalog outlives its last store a week

// Stores unless the fleet's catalog is as new or newer, then announces: one step, so two
// replicas storing at once leave the newer.
constexpr std::string_view store_script = R"lua(
local at = redis.call('HGET', KEYS[1], 'fetched_at')
if at and tonumber(at) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'fetched_at', ARGV[1], 'version', ARGV[2], 'snapshot', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1)lua";
// Only the owner's token releases or extends a lock.
constexpr std::string_view unlock_script = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0)lua";
constexpr std::string_view renew_script = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0)lua";

std::string random_token() {
  std::random_device random;
  uint64_t bits = (uint64_t{random()} << 32) ^ random();
  return ContentHash::to_hex(bits) + "-" + std::to_string(::getpid());
}

std::optional<int64_t> integer_of(const RedisReply& reply) {
  int64_t value = 0;
  const std::string& s = reply.string;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (reply.is_nil() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

SharedCatalogs::SharedCatalogs(SharedSettings settings, const Clock& clock)
    : settings_(std::move(settings)), clock_(clock), owner_(random_token()) {
  health_.url = settings_.redis.endpoint.url();
  health_.last_error = "not connected yet";
}

SharedCatalogs::~SharedCatalogs() { stop(); }

void SharedCatalogs::stop() {
  stopping_ = true;
  if (watcher_.joinable()) watcher_.join();
}

std::string SharedCatalogs::key_of(const SharedKey& key, std::string_view what) const {
  return settings_.prefix + ":" + key.gateway + ":" + key.fingerprint + ":" + std::string(what);
}

void SharedCatalogs::went_up() {
  std::lock_guard lock(health_mutex_);
  if (health_.up) return;
  health_.up = true;
  health_.last_error.clear();
  health_.since_ms = clock_.now_unix_ms();
  log_info("redis " + health_.url + ": connected; catalogs are shared with the fleet");
}

void SharedCatalogs::went_down(const std::string& error) {
  std::lock_guard lock(health_mutex_);
  ++health_.errors;
  bool news = health_.up || health_.since_ms == 0;  // up until now, or the first try
  health_.up = false;
  health_.last_error = error;
  if (!news) return;
  health_.since_ms = clock_.now_unix_ms();
  log_error("redis: " + error + "; working alone (own fetches, disk snapshot) until it is back");
}

template <class Call>
auto SharedCatalogs::with_redis(Call call)
    -> std::optional<decltype(call(std::declval<RedisConnection&>()))> {
  std::lock_guard lock(redis_mutex_);
  int64_t now = clock_.now_unix_ms();
  try {
    if (!redis_ || redis_->broken()) {
      redis_.reset();
      if (now < retry_at_ms_) return std::nullopt;  // down: no wait on a request's behalf
      redis_ = std::make_unique<RedisConnection>(settings_.redis);
      backoff_ms_ = 0;
    }
    auto result = call(*redis_);
    went_up();
    return result;
  } catch (const RedisError& e) {
    if (!redis_ || redis_->broken()) {
      // Unreachable, or refusing us (a wrong password): retry later, doubling the wait.
      redis_.reset();
      backoff_ms_ = std::clamp(backoff_ms_ * 2, backoff_first_ms, backoff_max_ms);
      retry_at_ms_ = now + backoff_ms_;
    }
    went_down(e.what());
    return std::nullopt;
  }
}

std::optional<int64_t> SharedCatalogs::fetched_at(const SharedKey& key) {
  auto reply = with_redis([&](RedisConnection& r) {
    return r.command({"HGET", key_of(key, "catalog"), "fetched_at"});
  });
  return reply ? integer_of(*reply) : std::nullopt;
}

std::optional<Snapshot> SharedCatalogs::load(const SharedKey& key) {
  auto reply = with_redis([&](RedisConnection& r) {
    return r.command({"HGET", key_of(key, "catalog"), "snapshot"});
  });
  if (!reply || reply->is_nil()) return std::nullopt;
  std::string bytes;
  try {
    if (!gunzip(reply->string, snapshot_limit, bytes))
      throw SnapshotError("not one whole gzip stream of at most 4 GB");
    return parse_snapshot(bytes, key.gateway, key_of(key, "catalog"));
  } catch (const SnapshotError& e) {
    log_error("gateway '" + key.gateway +
              "': the fleet's catalog in redis is unusable: " + e.what());
  } catch (const std::bad_alloc&) {
    log_error("gateway '" + key.gateway + "': the fleet's catalog in redis is too large to load");
  }
  return std::nullopt;
}

bool SharedCatalogs::store(const SharedKey& key, const Catalog& catalog) {
  std::string packed = gzip(render_snapshot(key.gateway, catalog));
  std::string at = std::to_string(catalog.fetched_at_ms());
  std::string announcement = key.gateway + " " + key.fingerprint;
  auto reply = with_redis([&](RedisConnection& r) {
    return r.command({"EVAL", store_script, "1", key_of(key, "catalog"), at, catalog.version(),
                      packed, kept_ms, channel(), announcement});
  });
  return reply && reply->integer == 1;
}

SharedCatalogs::Lock SharedCatalogs::lock(const SharedKey& key) {
  std::string ms = std::to_string(settings_.lock_ms);
  auto reply = with_redis([&](RedisConnection& r) {
    return r.command({"SET", key_of(key, "lock"), owner_, "NX", "PX", ms});
  });
  if (!reply) return Lock::unavailable;
  if (reply->is_nil()) return Lock::held;
  std::lock_guard lock(locks_mutex_);
  locks_[key] = clock_.now_unix_ms();
  return Lock::taken;
}

void SharedCatalogs::unlock(const SharedKey& key) {
  {
    std::lock_guard lock(locks_mutex_);
    locks_.erase(key);
  }
  with_redis([&](RedisConnection& r) {
    return r.command({"EVAL", unlock_script, "1", key_of(key, "lock"), owner_});
  });
}

void SharedCatalogs::renew_locks() {
  int64_t now = clock_.now_unix_ms();
  std::vector<SharedKey> due;
  {
    std::lock_guard lock(locks_mutex_);
    for (auto& [key, renewed] : locks_)
      if (now - renewed >= settings_.lock_ms / 3) {
        due.push_back(key);
        renewed = now;
      }
  }
  std::string ms = std::to_string(settings_.lock_ms);
  for (const SharedKey& key : due)
    with_redis([&](RedisConnection& r) {
      return r.command({"EVAL", renew_script, "1", key_of(key, "lock"), owner_, ms});
    });
}

SharedHealth SharedCatalogs::health() const {
  std::lock_guard lock(health_mutex_);
  return health_;
}

void SharedCatalogs::watch(std::function<void(const SharedKey&)> announced,
                           std::function<void()> tick) {
  watcher_ = std::thread([this, announced = std::move(announced), tick = std::move(tick)] {
    watch_loop(announced, tick);
  });
}

void SharedCatalogs::watch_loop(std::function<void(const SharedKey&)> announced,
                                std::function<void()> tick) {
  std::unique_ptr<RedisConnection> subscription;
  int64_t next_tick = 0, retry_at = 0;
  while (!stopping_) {
    int64_t now = clock_.now_unix_ms();
    renew_locks();
    if (now >= next_tick) {
      tick();
      next_tick = now + settings_.poll_ms;
    }
    if (!subscription && now >= retry_at) {
      try {
        subscription = std::make_unique<RedisConnection>(settings_.redis);
        subscription->send({"SUBSCRIBE", channel()});
      } catch (const RedisError& e) {
        subscription.reset();
        retry_at = now + backoff_max_ms / 10;  // the command side reports the outage
      }
    }
    if (!subscription) {
      std::this_thread::sleep_for(watch_step);
      continue;
    }
    try {
      std::optional<RedisReply> message = subscription->receive(watch_step);
      // ["message", channel, "gateway fingerprint"]
      if (message && message->elements.size() == 3 && message->elements[0].string == "message") {
        const std::string& text = message->elements[2].string;
        size_t space = text.find(' ');
        if (space != std::string::npos)
          announced(SharedKey{text.substr(0, space), text.substr(space + 1)});
      }
    } catch (const RedisError&) {
      subscription.reset();  // lost: resubscribe; the periodic check covers the gap
      retry_at = now + backoff_max_ms / 10;
    }
  }
}

}  // namespace gatehouse
