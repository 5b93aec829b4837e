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

namespace gatehouse {

struct SharedSettings {
  RedisSettings redis;
  std::string prefix = "gatehouse";
  int64_t lock_ms = 30000;  // a dead owner's lock lasts this long; a live owner renews it
  int64_t poll_ms = 5000;   // the version check that catches an announcement lost
};

// Whose catalog: a gateway under one binding.
struct SharedKey {
  std::string gateway;
  std::string fingerprint;  // hash of the plugin's name and version and the options
  bool operator<(const SharedKey& o) const {
    return std::tie(gateway, fingerprint) < std::tie(o.gateway, o.fingerprint);
  }
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

  // When the fleet's catalog for `key` was fetched; nullopt when there is none, or Redis
  // cannot be asked now.
  std::optional<int64_t> fetched_at(const SharedKey& key);
  // The fleet's catalog for `key`; nullopt when none, Redis is down, or it is damaged
  // (then logged).
  std::optional<Snapshot> load(const SharedKey& key);
  // Stores `catalog` for `key` unless the fleet has one fetched as late or later, and
  // announces it. True when stored.
  bool store(const SharedKey& key, const Catalog& catalog);

  enum class Lock { taken, held, unavailable };
  // Takes the fetch lock for `key` (renewed on the watcher thread until unlock()).
  Lock lock(const SharedKey& key);
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
  // Runs `call` on the command connection, (re)connecting when the backoff allows;
  // nullopt (and the failure recorded) when Redis cannot be used now.
  template <class Call>
  auto with_redis(Call call) -> std::optional<decltype(call(std::declval<RedisConnection&>()))>;
  void went_up();
  void went_down(const std::string& error);
  std::string key_of(const SharedKey& key, std::string_view what) const;
  std::string channel() const { return settings_.prefix + ":catalogs"; }
  void watch_loop(std::function<void(const SharedKey&)> announced, std::function<void()> tick);
  void renew_locks();

  const SharedSettings settings_;
  const Clock& clock_;
  const std::string owner_;  // this process's lock token

  std::mutex redis_mutex_;  // the command connection: one call at a time
  std::unique_ptr<RedisConnection> redis_;
  int64_t retry_at_ms_ = 0;
  int64_t backoff_ms_ = 0;

  mutable std::mutex health_mutex_;
  SharedHealth health_;

  std::mutex locks_mutex_;
  std::map<SharedKey, int64_t> locks_;  // held by this process: when last renewed

  std::atomic<bool> stopping_{false};
  std::thread watcher_;
};

}  // namespace gatehouse
