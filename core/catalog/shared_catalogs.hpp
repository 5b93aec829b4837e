// The fleet's shared tier, on Redis: each gateway's catalog (its snapshot, gzipped) kept
// under the gateway's name AND its binding's fingerprint, so replicas share only the
// catalogs of identical bindings; a lock, so one replica fetches per TTL; a channel that
// announces each new catalog. Every call is bounded by the Redis timeouts and gives up at
// once while Redis is down (the connection is retried with backoff): a replica without
// Redis works alone, as it would with no tier at all. No call is made on an I/O thread.
#pragma once

#include "catalog/catalog.hpp"
#include "catalog/snapshot_store.hpp"
#include "support/clock.hpp"
#include "support/redis_client.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace gatehouse {

struct SharedSettings {
  RedisSettings redis;
  std::string prefix = "gatehouse";
  int64_t lock_ms = 30000;  // a dead owner's lock lasts this long; a live owner renews it
  int64_t poll_ms = 5000;   // the version check that catches an announcement lost
  size_t max_catalog_bytes = 256u << 20;  // a stored catalog, gzipped or inflated
};

// Whose catalog: a gateway under one binding.
struct SharedKey {
  std::string gateway;
  std::string fingerprint;  // hash of the plugin's name and version and the options
  bool operator<(const SharedKey& o) const {
    return std::tie(gateway, fingerprint) < std::tie(o.gateway, o.fingerprint);
  }
};

// What the fleet holds under a key, as one look found it.
struct SharedEntry {
  enum class State { none, usable, unusable };
  State state = State::none;
  int64_t fetched_at_ms = 0;  // never later than now: a stamp from the future says "now"
  std::string stamp;          // its fetched_at and version as stored: which entry it is
};

// Where the tier stands, for /v1/catalog/gateways and /metrics.
struct SharedHealth {
  std::string url;
  bool up = false;
  std::string last_error;  // empty when the last call worked
  int64_t since_ms = 0;    // when it went up or down
  uint64_t errors = 0;     // calls that failed, since start
};

class SharedCatalogs {
 public:
  SharedCatalogs(SharedSettings settings, const Clock& clock);
  ~SharedCatalogs();  // stop()s

  // The fleet's entry for `key`; nullopt when Redis cannot be asked now. An entry found
  // unusable once (damaged, too large) stays unusable, unread, until it changes.
  std::optional<SharedEntry> entry(const SharedKey& key);
  // The catalog of `entry` (a usable one); nullopt when Redis is down, the entry changed
  // meanwhile, or it is unusable (then logged, and remembered as such).
  std::optional<Snapshot> load(const SharedKey& key, const SharedEntry& entry);
  // Stores `catalog` for `key`, and announces it, unless the fleet has one fetched as late
  // or later; an entry unusable, stamped in the future or not a catalog at all is replaced.
  // True when stored.
  bool store(const SharedKey& key, const Catalog& catalog);
  // The stamp of the entry store() makes of `catalog`.
  static std::string stamp_of(const Catalog& catalog);

  // A failed fetch, for the fleet to back off together: no replica fetches `key` for
  // `backoff_ms` (an admin refresh excepted).
  void share_failure(const SharedKey& key, const std::string& error, int64_t backoff_ms);
  // The error of a failure shared within its backoff; nullopt when none (or Redis is down).
  std::optional<std::string> failure(const SharedKey& key);

  enum class Lock { taken, held, unavailable };
  struct LockState {
    Lock lock = Lock::unavailable;
    std::string holder;  // held: whose token (a foreign value when someone else set it)
  };
  // Takes the fetch lock for `key` (renewed on the watcher thread until unlock()). A lock
  // that would outlive lock_ms (none of ours: set by hand, or damaged) is cut to lock_ms/2.
  LockState lock(const SharedKey& key);
  void unlock(const SharedKey& key);

  // Starts the watcher thread: `announced` for each catalog another replica stores,
  // `tick` every poll_ms (the periodic check). Both run on that thread.
  void watch(std::function<void(const SharedKey&)> announced, std::function<void()> tick);
  // Ends the watcher, and every wait on the lock (stopping() turns true). Idempotent.
  void stop();
  bool stopping() const { return stopping_.load(); }

  SharedHealth health() const;
  const SharedSettings& settings() const { return settings_; }

 private:
  // Runs `call` on a connection of its own (an idle one, or a new one when the backoff
  // allows), no lock held meanwhile: a slow Redis holds up each caller at most by the
  // timeouts, never behind another's call. nullopt (and the failure recorded) when Redis
  // cannot be used now or answered with an error.
  template <class Call>
  auto with_redis(Call call) -> std::optional<decltype(call(std::declval<RedisConnection&>()))>;
  // An idle connection, or a new one; null while the backoff holds. Throws RedisError.
  std::unique_ptr<RedisConnection> connection();
  void give_back(std::unique_ptr<RedisConnection> connection);
  void went_up();
  void went_down(const std::string& error);
  // An error reply: Redis is up, one command of ours was refused (a damaged key, say).
  void went_wrong(const std::string& error);
  bool known_unusable(const SharedKey& key, const std::string& stamp);
  void mark_unusable(const SharedKey& key, const std::string& stamp, const std::string& why);
  std::string key_of(const SharedKey& key, std::string_view what) const;
  std::string channel() const { return settings_.prefix + ":catalogs"; }
  void watch_loop(std::function<void(const SharedKey&)> announced, std::function<void()> tick);
  void renew_locks();

  const SharedSettings settings_;
  const Clock& clock_;
  const std::string owner_;  // this process's lock token

  std::mutex redis_mutex_;  // the idle connections and the backoff; never held over a call
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  int64_t retry_at_ms_ = 0;
  int64_t backoff_ms_ = 0;

  std::mutex unusable_mutex_;
  std::map<SharedKey, std::string> unusable_;  // the stamp of an entry found unusable

  mutable std::mutex health_mutex_;
  SharedHealth health_;
  std::string last_refusal_;  // the last error reply logged, so a repeated one is not

  std::mutex locks_mutex_;
  std::map<SharedKey, int64_t> locks_;  // held by this process: when last renewed

  std::atomic<bool> stopping_{false};
  std::thread watcher_;
};

}  // namespace gatehouse
