#include "catalog/shared_catalogs.hpp"

#include "support/content_hash.hpp"
#include "support/gzip.hpp"
#include "support/log.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <random>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;

constexpr int64_t backoff_first_ms = 500;
constexpr int64_t backoff_max_ms = 30000;
constexpr auto watch_step = 200ms;            // how soon the watcher sees stop()
constexpr const char* kept_ms = "604800000";  // a catalog outlives its last store a week

// The entry's kind, stamp fields: read in one step, whatever the key holds (HMGET on a key
// of another type is an error reply).
constexpr std::string_view entry_script = R"lua(
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'hash' then return {kind} end
local f = redis.call('HMGET', KEYS[1], 'fetched_at', 'version')
return {kind, f[1], f[2]})lua";
// Reads the snapshot only if the entry is still the one looked at (ARGV[1], its stamp).
constexpr std::string_view load_script = R"lua(
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then return false end
local f = redis.call('HMGET', KEYS[1], 'fetched_at', 'version', 'snapshot')
if (f[1] or '') .. ' ' .. (f[2] or '') ~= ARGV[1] then return false end
return f[3])lua";
// Stores unless the fleet's catalog is as new or newer, then announces: one step, so two
// replicas storing at once leave the newer. Replaced whatever its stamp: a key of another
// type, a fetched_at that is no number or later than the storer's now (ARGV[7]), and the
// entry the storer found unusable (ARGV[8], its stamp). A stored catalog ends a shared
// failure (KEYS[2]).
constexpr std::string_view store_script = R"lua(
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'hash' then
  local f = redis.call('HMGET', KEYS[1], 'fetched_at', 'version')
  local at = tonumber(f[1])
  local unusable = (f[1] or '') .. ' ' .. (f[2] or '') == ARGV[8]
  if at and at <= tonumber(ARGV[7]) and at >= tonumber(ARGV[1]) and not unusable then
    return 0
  end
elseif kind ~= 'none' then
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'fetched_at', ARGV[1], 'version', ARGV[2], 'snapshot', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1)lua";
// Takes the lock, or says whose it is; a lock without expiry, or longer than ours ever
// are (ARGV[2]), set by hand or left damaged, is cut to ARGV[3] so it cannot stop the
// fleet's fetches for long.
constexpr std::string_view lock_script = R"lua(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ARGV[1]} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 or ttl > tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'string' then return {0, 'a ' .. kind} end
return {0, redis.call('GET', KEYS[1])})lua";
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

// What entry_script found: [kind] or ["hash", fetched_at, version].
SharedEntry entry_of(const RedisReply& reply, int64_t now_ms) {
  SharedEntry entry;
  const std::vector<RedisReply>& f = reply.elements;
  std::string kind = f.empty() ? "nothing" : f[0].string;
  if (kind == "none") return entry;
  entry.state = SharedEntry::State::unusable;
  if (kind != "hash" || f.size() != 3) {
    entry.stamp = "a " + kind;
    return entry;
  }
  entry.stamp = f[1].string + " " + f[2].string;
  std::optional<int64_t> at = integer_of(f[1]);
  if (!at || *at < 0 || f[2].is_nil()) return entry;
  entry.state = SharedEntry::State::usable;
  entry.fetched_at_ms = std::min(*at, now_ms);
  return entry;
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
  health_.last_error.clear();
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

void SharedCatalogs::went_wrong(const std::string& error) {
  went_up();
  std::lock_guard lock(health_mutex_);
  ++health_.errors;
  health_.last_error = error;
  if (error == last_refusal_) return;
  last_refusal_ = error;
  log_warn("redis: a command was refused: " + error + " (redis is up; the key is damaged?)");
}

std::unique_ptr<RedisConnection> SharedCatalogs::connection() {
  {
    std::lock_guard lock(redis_mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<RedisConnection> c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (clock_.now_unix_ms() < retry_at_ms_) return nullptr;  // down: no wait for anyone
  }
  auto c = std::make_unique<RedisConnection>(settings_.redis);
  std::lock_guard lock(redis_mutex_);
  backoff_ms_ = 0;
  return c;
}

void SharedCatalogs::give_back(std::unique_ptr<RedisConnection> c) {
  std::lock_guard lock(redis_mutex_);
  idle_.push_back(std::move(c));
}

template <class Call>
auto SharedCatalogs::with_redis(Call call)
    -> std::optional<decltype(call(std::declval<RedisConnection&>()))> {
  std::unique_ptr<RedisConnection> redis;
  try {
    redis = connection();
    if (!redis) return std::nullopt;
    auto result = call(*redis);
    give_back(std::move(redis));
    went_up();
    return result;
  } catch (const RedisError& e) {
    if (redis && !redis->broken()) {
      give_back(std::move(redis));
      went_wrong(e.what());
      return std::nullopt;
    }
    {
      // Unreachable, or refusing us (a wrong password): retry later, doubling the wait.
      // The idle connections went with it.
      std::lock_guard lock(redis_mutex_);
      idle_.clear();
      backoff_ms_ = std::clamp(backoff_ms_ * 2, backoff_first_ms, backoff_max_ms);
      retry_at_ms_ = clock_.now_unix_ms() + backoff_ms_;
    }
    went_down(e.what());
    return std::nullopt;
  }
}

bool SharedCatalogs::known_unusable(const SharedKey& key, const std::string& stamp) {
  std::lock_guard lock(unusable_mutex_);
  auto found = unusable_.find(key);
  return found != unusable_.end() && found->second == stamp;
}

void SharedCatalogs::mark_unusable(const SharedKey& key, const std::string& stamp,
                                   const std::string& why) {
  log_error("gateway '" + key.gateway + "': the fleet's catalog in redis is unusable: " + why +
            "; not read again until it changes, replaced by the next catalog stored");
  std::lock_guard lock(unusable_mutex_);
  unusable_[key] = stamp;
}

std::optional<SharedEntry> SharedCatalogs::entry(const SharedKey& key) {
  auto reply = with_redis([&](RedisConnection& r) {
    return r.command({"EVAL", entry_script, "1", key_of(key, "catalog")});
  });
  if (!reply) return std::nullopt;
  SharedEntry entry = entry_of(*reply, clock_.now_unix_ms());
  if (entry.state == SharedEntry::State::usable && known_unusable(key, entry.stamp))
    entry.state = SharedEntry::State::unusable;
  return entry;
}

std::optional<Snapshot> SharedCatalogs::load(const SharedKey& key, const SharedEntry& entry) {
  auto reply = with_redis([&](RedisConnection& r) {
    return r.command({"EVAL", load_script, "1", key_of(key, "catalog"), entry.stamp});
  });
  if (!reply || reply->is_nil()) return std::nullopt;
  std::string bytes;
  try {
    if (!gunzip(reply->string, settings_.max_catalog_bytes, bytes))
      throw SnapshotError("not one whole gzip stream of at most " +
                          std::to_string(settings_.max_catalog_bytes) + " bytes");
    Snapshot snapshot = parse_snapshot(bytes, key.gateway, key_of(key, "catalog"));
    snapshot.fetched_at_ms = std::min(snapshot.fetched_at_ms, clock_.now_unix_ms());
    return snapshot;
  } catch (const SnapshotError& e) {
    mark_unusable(key, entry.stamp, e.what());
  } catch (const std::bad_alloc&) {
    mark_unusable(key, entry.stamp, "too large to load");
  }
  return std::nullopt;
}

std::string SharedCatalogs::stamp_of(const Catalog& catalog) {
  return std::to_string(catalog.fetched_at_ms()) + " " + catalog.version();
}

bool SharedCatalogs::store(const SharedKey& key, const Catalog& catalog) {
  std::string packed = gzip(render_snapshot(key.gateway, catalog));
  std::string at = std::to_string(catalog.fetched_at_ms());
  std::string now = std::to_string(clock_.now_unix_ms());
  std::string announcement = key.gateway + " " + key.fingerprint;
  std::string unusable;
  {
    std::lock_guard lock(unusable_mutex_);
    if (auto found = unusable_.find(key); found != unusable_.end()) unusable = found->second;
  }
  auto reply = with_redis([&](RedisConnection& r) {
    return r.command({"EVAL", store_script, "2", key_of(key, "catalog"), key_of(key, "failure"), at,
                      catalog.version(), packed, kept_ms, channel(), announcement, now, unusable});
  });
  return reply && reply->integer == 1;
}

void SharedCatalogs::share_failure(const SharedKey& key, const std::string& error,
                                   int64_t backoff_ms) {
  if (backoff_ms <= 0) return;
  std::string ms = std::to_string(backoff_ms);
  with_redis([&](RedisConnection& r) {
    return r.command({"SET", key_of(key, "failure"), error.substr(0, 1000), "PX", ms});
  });
}

std::optional<std::string> SharedCatalogs::failure(const SharedKey& key) {
  auto reply = with_redis([&](RedisConnection& r) {
    return r.command({"GET", key_of(key, "failure")});
  });
  if (!reply || reply->is_nil()) return std::nullopt;
  return reply->string;
}

SharedCatalogs::LockState SharedCatalogs::lock(const SharedKey& key) {
  std::string ms = std::to_string(settings_.lock_ms);
  std::string cut_ms = std::to_string(settings_.lock_ms / 2);
  auto reply = with_redis([&](RedisConnection& r) {
    return r.command({"EVAL", lock_script, "1", key_of(key, "lock"), owner_, ms, cut_ms});
  });
  if (!reply || reply->elements.size() != 2) return {Lock::unavailable, ""};
  if (reply->elements[0].integer != 1) return {Lock::held, reply->elements[1].string};
  std::lock_guard lock(locks_mutex_);
  locks_[key] = clock_.now_unix_ms();
  return {Lock::taken, owner_};
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
