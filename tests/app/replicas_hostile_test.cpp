// Replicas on a hostile or damaged Redis cost no more than replicas alone: an endpoint
// answering an array of 2^31 elements, a lock without expiry, a gzip bomb in the fleet's
// entry, stamps from the future, damaged entries, and a failing upstream the fleet backs
// off from together; then all of it at once, under load.
#include "harness/fake_redis.hpp"
#include "harness/redis_server.hpp"
#include "harness/replicas.hpp"
#include "harness/scoped_env.hpp"
#include "support/gzip.hpp"

#include <gtest/gtest.h>

#include <zlib.h>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::eventually;
using test::Load;
using test::password_variable;
using test::Replica;
using test::ReplicaOptions;
using test::Upstream;

// One gzip stream inflating to `size` zero bytes, deflated a megabyte at a time.
std::string gzip_bomb(size_t size) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string zeros(1 << 20, '\0'), out;
  char chunk[1 << 16];
  for (size_t left = size; left || z.avail_in;) {
    size_t n = std::min(left, zeros.size());
    left -= n;
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = reinterpret_cast<Bytef*>(chunk);
      z.avail_out = sizeof chunk;
      deflate(&z, left ? Z_NO_FLUSH : Z_FINISH);
      out.append(chunk, sizeof chunk - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  return out;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ReplicasHostile : public ::testing::Test {
 protected:
  RedisConnection redis() { return RedisConnection(redis_.settings()); }
  // The fleet's entry for the one gateway, once a replica stored it ("" until then).
  std::string catalog_key() {
    RedisReply keys = redis().command({"KEYS", "gatehouse:deepinfra:*:catalog"});
    return keys.elements.empty() ? "" : keys.elements[0].string;
  }
  std::string lock_key() {
    std::string key = catalog_key();
    return key.substr(0, key.size() - std::string_view(":catalog").size()) + ":lock";
  }
  // The entry is a whole, usable catalog: a hash, a numeric stamp, a gzipped snapshot.
  bool entry_usable() {
    RedisConnection r = redis();
    if (r.command({"TYPE", catalog_key()}).string != "hash") return false;
    std::string at = r.command({"HGET", catalog_key(), "fetched_at"}).string;
    std::string out;
    return !at.empty() && at.find_first_not_of("0123456789") == std::string::npos &&
           gunzip(r.command({"HGET", catalog_key(), "snapshot"}).string, 8 << 20, out);
  }
  uint64_t shared_loads(Replica& r) {
    std::string metrics = r.get("/metrics").body;
    std::string name = "gatehouse_shared_loads_total{gateway=\"deepinfra\"} ";
    size_t at = metrics.find(name);
    return at == std::string::npos ? 0 : std::stoull(metrics.substr(at + name.size()));
  }

  test::RedisServer redis_;
  test::ScopedEnv password_{password_variable, redis_.password().c_str()};
  test::ScopedEnv admin_{"GATEHOUSE_ADMIN_TOKEN", "admin-secret"};
};

TEST_F(ReplicasHostile, AnArrayBombForRedisCostsNothing) {
  test::FakeRedis bomb([](int) { return std::string("*2147483647\r\n"); });
  Upstream upstream;
  Replica a(upstream, {3600, bomb.url()});
  EXPECT_TRUE(eventually([&] { return !a.etag().empty(); }, 5s)) << a.log();
  EXPECT_TRUE(eventually([&] { return a.redis_state() == "down"; }, 3s));
  test::Json j(a.get("/v1/catalog/gateways").body);
  std::string error{std::string_view(j["redis"]["last_error"])};
  EXPECT_NE(error.find("2147483647 elements"), std::string::npos) << error;
  // A fetch that still runs (a loaded machine) answers 409: the refresh is asked again.
  test::HttpResult refreshed;
  EXPECT_TRUE(eventually(
      [&] {
        refreshed = test::http_request(a.port(), "POST", "/admin/gateways/deepinfra/refresh",
                                       {{"Authorization", "Bearer admin-secret"}});
        return refreshed.status != 409;
      },
      10s));
  EXPECT_EQ(refreshed.status, 200u) << refreshed.body;
  std::this_thread::sleep_for(2s);  // reconnects with backoff, each met by the bomb
  long rss = test::rss_kb(a.process().pid());
  EXPECT_LT(rss, 200 << 10) << "kB";
  std::cout << "[ figures  ] array bomb: " << bomb.connections() << " connections refused, RSS "
            << rss / 1024 << " MB, " << upstream.walks() << " upstream walks (alone)\n";
}

TEST_F(ReplicasHostile, ALockWithoutExpiryHoldsUpAFetchOnlyByTheLock) {
  Upstream upstream;
  ReplicaOptions o{2, redis_.url()};
  Replica a(upstream, o);
  ASSERT_TRUE(eventually([&] { return !a.etag().empty() && !catalog_key().empty(); }, 10s));
  Load load({&a});
  // Set once, by hand: cut to half the lock's time, then taken as usual.
  redis().command({"SET", lock_key(), "x"});
  EXPECT_TRUE(eventually([&] { return upstream.walks() == 2; }, 6s)) << a.log();
  // Set again and again: this replica waits redis_lock_ms for it, then fetches alone.
  std::atomic<bool> done{false};
  std::thread hostile([&] {
    for (RedisConnection r = redis(); !done; std::this_thread::sleep_for(50ms))
      r.command({"SET", lock_key(), "x"});
  });
  EXPECT_TRUE(eventually([&] { return upstream.walks() == 3; }, 2s + 1500ms + 2s)) << a.log();
  done = true;
  hostile.join();
  load.finish();
  EXPECT_NE(a.log().find("was not released within redis_lock_ms"), std::string::npos);
  EXPECT_EQ(load.failed(), 0);
}

TEST_F(ReplicasHostile, AGzipBombInTheFleetsEntryIsReadOnceAndReplaced) {
  Upstream upstream;
  ReplicaOptions o{3600, redis_.url()};
  o.max_catalog_bytes = 8 << 20;
  Replica a(upstream, o), b(upstream, o);
  ASSERT_TRUE(eventually([&] { return !a.etag().empty() && !b.etag().empty(); }, 10s));
  ASSERT_FALSE(catalog_key().empty());
  std::string bomb = gzip_bomb(size_t{64} << 20);
  redis().command(
      {"HSET", catalog_key(), "fetched_at", std::to_string(now_ms()), "snapshot", bomb});
  EXPECT_TRUE(eventually([&] { return entry_usable(); }, 3s)) << "the next store replaces it";
  std::this_thread::sleep_for(2s);  // four periodic checks
  for (Replica* r : {&a, &b}) {
    std::cout << "[ figures  ] gzip bomb: read " << count(r->log(), "is unusable")
              << " time(s) by one replica in 2 s\n";
    EXPECT_LE(count(r->log(), "is unusable"), 1u) << r->log();
    EXPECT_LT(test::rss_kb(r->process().pid()), 150 << 10);
  }
  EXPECT_EQ(upstream.walks(), 1);
}

// A stamp from the future (set by hand, or by a replica whose clock runs fast) is "now":
// the catalog is refreshed once per TTL for the fleet, and not loaded again at every look.
class ReplicasFutureStamp : public ReplicasHostile,
                            public ::testing::WithParamInterface<int64_t> {};

TEST_P(ReplicasFutureStamp, IsNowAndTheFleetStillFetchesOncePerTtl) {
  Upstream upstream;
  ReplicaOptions o{2, redis_.url()};
  Replica a(upstream, o), b(upstream, o), c(upstream, o);
  std::vector<Replica*> all{&a, &b, &c};
  for (Replica* r : all) ASSERT_TRUE(eventually([&] { return !r->etag().empty(); }, 10s));
  ASSERT_FALSE(catalog_key().empty());
  int64_t stamp = GetParam() ? now_ms() + GetParam() : 99999999999999;
  redis().command({"HSET", catalog_key(), "fetched_at", std::to_string(stamp)});
  int walks = upstream.walks();
  uint64_t loads = shared_loads(b);
  Load load(all);
  std::this_thread::sleep_for(5s);  // two TTLs and a half
  load.finish();
  int walked = upstream.walks() - walks;
  EXPECT_GE(walked, 2) << "refreshed again";
  EXPECT_LE(walked, 3) << "once per TTL for the fleet";
  EXPECT_LE(shared_loads(b) - loads, 4u) << "not loaded again at every look";
  EXPECT_EQ(load.failed(), 0);
  std::cout << "[ figures  ] fleet entry stamped " << stamp << ": " << walked
            << " upstream walks in 5 s (TTL 2 s, 3 replicas), " << shared_loads(b) - loads
            << " loads on one replica\n";
}

INSTANTIATE_TEST_SUITE_P(ReplicasFarAndAnHourAhead, ReplicasFutureStamp,
                         ::testing::Values(int64_t{0}, int64_t{3600000}));

TEST_F(ReplicasHostile, ADamagedEntryIsReplacedAndRedisStaysUp) {
  Upstream upstream;
  Replica a(upstream, {3600, redis_.url()});
  ASSERT_TRUE(eventually([&] { return !a.etag().empty() && !catalog_key().empty(); }, 10s));
  std::string key = catalog_key();
  std::atomic<bool> done{false};
  std::atomic<int> down{0};
  std::thread watch([&] {
    for (; !done; std::this_thread::sleep_for(50ms))
      if (a.redis_state() != "up") ++down;
  });
  std::string now = std::to_string(now_ms());
  auto damages = std::vector<std::function<void(RedisConnection&)>>{
      [&](RedisConnection& r) {
        r.command({"HSET", key, "fetched_at", "abc"});
      },
      [&](RedisConnection& r) {
        r.command({"DEL", key});
        r.command({"SET", key, "a string, not a hash"});
      },
      [&](RedisConnection& r) {
        r.command({"HSET", key, "fetched_at", now, "snapshot", "not gzip"});
      },
  };
  for (size_t i = 0; i < damages.size(); ++i) {
    RedisConnection r = redis();
    try {
      damages[i](r);
    } catch (const RedisError& e) {
      ADD_FAILURE() << "damage " << i << ": the last one was not replaced: " << e.what();
      continue;
    }
    EXPECT_TRUE(eventually([&] { return entry_usable(); }, 3s)) << "damage " << i << a.log();
  }
  done = true;
  watch.join();
  EXPECT_EQ(down, 0) << "reported down while redis was up\n" << a.log();
  EXPECT_EQ(count(a.log(), "working alone"), 0u) << a.log();
  EXPECT_EQ(upstream.walks(), 1);
}

TEST_F(ReplicasHostile, AFailingUpstreamIsTriedOncePerBackoffForTheFleet) {
  Upstream upstream;
  ReplicaOptions o{1, redis_.url()};
  Replica a(upstream, o), b(upstream, o), c(upstream, o);
  std::vector<Replica*> all{&a, &b, &c};
  for (Replica* r : all) ASSERT_TRUE(eventually([&] { return !r->etag().empty(); }, 10s));
  upstream.fail(true);
  int walks = upstream.walks();
  Load load(all);
  std::this_thread::sleep_for(4s);
  load.finish();
  int walked = upstream.walks() - walks;
  // Alone, each replica tries at 0, 0.2, 0.6, 1.4, 2.4 and 3.4 s (backoff 200 ms doubling
  // to 1 s): 18 for three.
  EXPECT_LE(walked, 9) << "the fleet backs off together";
  EXPECT_EQ(load.failed(), 0);
  bool said = false;  // by whichever replicas did not take the lock
  for (Replica* r : all) said = said || r->log().find("the fleet backs off") != std::string::npos;
  EXPECT_TRUE(said);
  std::cout << "[ figures  ] failing upstream, 3 replicas, 4 s: " << walked << " tries\n";
}

// All of it at once, scripted over 20 s, under load on every replica: a fourth replica on
// an endpoint answering array bombs, and on the real Redis a lock without expiry, a gzip
// bomb, a stamp from the future, damaged entries, then an upstream failing for 3 s.
TEST_F(ReplicasHostile, SoakEveryHostileInputUnderLoad) {
  test::FakeRedis bomb([](int) { return std::string("*2147483647\r\n"); });
  Upstream upstream, alone;
  ReplicaOptions o{3, redis_.url()};
  o.max_catalog_bytes = 8 << 20;
  Replica a(upstream, o), b(upstream, o), c(upstream, o), d(alone, {3, bomb.url()});
  std::vector<Replica*> fleet{&a, &b, &c}, all{&a, &b, &c, &d};
  for (Replica* r : all) ASSERT_TRUE(eventually([&] { return !r->etag().empty(); }, 10s));
  ASSERT_FALSE(catalog_key().empty());
  std::string key = catalog_key(), gzip_bomb_64mb = gzip_bomb(size_t{64} << 20);
  int walks_at_start = upstream.walks();
  Load load(all);
  auto start = test::SteadyClock::now();
  auto at = [&](std::chrono::milliseconds t) { std::this_thread::sleep_until(start + t); };
  at(500ms);
  redis().command({"SET", lock_key(), "x"});
  at(3s);
  redis().command(
      {"HSET", key, "fetched_at", std::to_string(now_ms()), "snapshot", gzip_bomb_64mb});
  at(6s);
  redis().command({"HSET", key, "fetched_at", "99999999999999"});
  at(9s);
  redis().command({"HSET", key, "fetched_at", "abc"});
  at(11s);
  redis().command({"DEL", key});
  redis().command({"SET", key, "not a hash"});
  at(13s);
  int walks_before_failing = upstream.walks() - walks_at_start;
  upstream.fail(true);
  at(16s);
  upstream.fail(false);
  int walks_failing = upstream.walks() - walks_at_start - walks_before_failing;
  at(20s);
  load.finish();
  int walks_after = upstream.walks() - walks_at_start - walks_before_failing - walks_failing;
  EXPECT_EQ(load.failed(), 0) << "of " << load.requests();
  EXPECT_LE(walks_before_failing, 13 / 3 + 1) << "one per TTL for the fleet";
  EXPECT_LE(walks_failing, 6) << "one per backoff for the fleet";
  EXPECT_LE(walks_after, 4 / 3 + 2);
  EXPECT_TRUE(entry_usable());
  long most_kb = 0;
  for (Replica* r : all) most_kb = std::max(most_kb, test::rss_kb(r->process().pid()));
#if defined(__SANITIZE_ADDRESS__)
  // ASan's quarantine keeps up to 256 MB of freed memory resident, and its shadow more:
  // here the bound only catches the runaway kind (the 4.9 GB of the array bomb).
  constexpr long most_allowed_kb = 1024 << 10;
#else
  constexpr long most_allowed_kb = 150 << 10;
#endif
  EXPECT_LT(most_kb, most_allowed_kb);
  for (Replica* r : fleet) EXPECT_EQ(r->redis_state(), "up");
  std::cout << "[ figures  ] soak 20 s, TTL 3 s: " << load.requests() << " requests, "
            << load.failed() << " not 200; fleet walks " << walks_before_failing << " in 13 s, "
            << walks_failing << " in 3 s failing, " << walks_after << " in 4 s after; alone on "
            << "the bomb: " << alone.walks() << "; largest RSS " << most_kb / 1024 << " MB\n";
}

}  // namespace
}  // namespace gatehouse
