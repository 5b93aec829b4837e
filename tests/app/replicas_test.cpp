// Several gatehouse processes on one real redis-server and one fake upstream that counts
// its calls: one fetch per TTL for the fleet, a late replica served from Redis, Redis
// killed and back, a wrong password, and a lock owner killed while it fetches.
#include "harness/replicas.hpp"
#include "harness/redis_server.hpp"
#include "harness/scoped_env.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test::eventually;
using test::Load;
using test::password_variable;
using test::Replica;
using test::ReplicaOptions;
using test::Upstream;

class Replicas : public ::testing::Test {
 protected:
  test::RedisServer redis_;
  test::ScopedEnv password_{password_variable, redis_.password().c_str()};
};

TEST_F(Replicas, ThreeShareOneWalkPerTtlAndAgreeWithinASecond) {
  Upstream upstream;
  ReplicaOptions o{3, redis_.url()};
  Replica a(upstream, o), b(upstream, o), c(upstream, o);
  std::vector<Replica*> all{&a, &b, &c};
  for (Replica* r : all)
    ASSERT_TRUE(eventually([&] { return !r->etag().empty(); }, 10s)) << r->log();
  EXPECT_EQ(upstream.walks(), 1) << "three replicas started: one upstream walk, not three";
  std::string first = a.etag();
  EXPECT_EQ(b.etag(), first);
  EXPECT_EQ(c.etag(), first);

  // Under load through the TTL's end: one more walk, and every replica on it within 1 s.
  Load load(all);
  ASSERT_TRUE(eventually([&] { return upstream.walks() == 2; }, 8s));
  auto walked = Clock::now();
  ASSERT_TRUE(eventually([&] { return a.etag() != first; }, 2s));
  std::string second = a.etag();
  bool agreed = eventually([&] { return b.etag() == second && c.etag() == second; }, 1s);
  auto spread = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - walked);
  EXPECT_TRUE(agreed) << "the fleet did not agree on the new version within 1 s";
  std::this_thread::sleep_for(1s);  // still well inside the new TTL
  load.finish();
  EXPECT_EQ(upstream.walks(), 2) << "the TTL's end under load: one walk for the fleet";
  EXPECT_EQ(load.failed(), 0) << "of " << load.requests();
  std::cout << "[ figures  ] 3 replicas, 2 TTL periods: " << upstream.walks()
            << " upstream walks; new version on all 3 within " << spread.count()
            << " ms of the walk; " << load.requests() << " requests, all 200\n";

  // A fourth, on an empty disk, serves at once from Redis without calling the upstream.
  Replica d(upstream, o);
  EXPECT_EQ(d.etag(), second);
  EXPECT_EQ(upstream.walks(), 2) << "the fourth replica called the upstream";
  EXPECT_NE(d.get("/metrics").body.find("gatehouse_shared_loads_total{gateway=\"deepinfra\"} 1"),
            std::string::npos);
}

TEST_F(Replicas, WithoutRedisEachReplicaWalksForItself) {
  Upstream upstream;
  Replica a(upstream, {}), b(upstream, {}), c(upstream, {});
  for (Replica* r : {&a, &b, &c}) ASSERT_TRUE(eventually([&] { return !r->etag().empty(); }, 10s));
  EXPECT_EQ(upstream.walks(), 3) << "the baseline the shared tier divides by three";
  EXPECT_TRUE(a.get("/v1/catalog/gateways").body.find("\"redis\":null") != std::string::npos);
}

TEST_F(Replicas, OneReplicaAloneWalksOncePerTtlToo) {
  Upstream upstream;
  Replica a(upstream, {3, redis_.url()});
  ASSERT_TRUE(eventually([&] { return !a.etag().empty(); }, 10s));
  Load load({&a});
  ASSERT_TRUE(eventually([&] { return upstream.walks() == 2; }, 8s));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(upstream.walks(), 2);
  EXPECT_EQ(load.failed(), 0);
}

TEST_F(Replicas, RedisKilledEveryRequestStillAnsweredThenTheyConverge) {
  Upstream upstream;
  ReplicaOptions o{2, redis_.url()};
  Replica a(upstream, o), b(upstream, o), c(upstream, o);
  std::vector<Replica*> all{&a, &b, &c};
  for (Replica* r : all) ASSERT_TRUE(eventually([&] { return !r->etag().empty(); }, 10s));
  Load load(all);
  redis_.kill();
  int walks_at_kill = upstream.walks();
  // Alone: each refreshes on its own when its TTL ends, and says why.
  for (Replica* r : all) {
    EXPECT_TRUE(eventually([&] { return r->redis_state() == "down"; }, 10s));
    EXPECT_TRUE(
        eventually([&] { return r->log().find("working alone") != std::string::npos; }, 5s));
    EXPECT_NE(r->get("/metrics").body.find("gatehouse_redis_up 0"), std::string::npos);
  }
  EXPECT_TRUE(eventually([&] { return upstream.walks() >= walks_at_kill + 3; }, 10s))
      << "without Redis every replica fetches for itself";

  redis_.start();
  for (Replica* r : all) EXPECT_TRUE(eventually([&] { return r->redis_state() == "up"; }, 10s));
  // Converged: one catalog (the same fetch) on every replica.
  EXPECT_TRUE(eventually(
      [&] {
        int64_t at = a.fetched_at();
        return at == b.fetched_at() && at == c.fetched_at() && a.etag() == b.etag() &&
               a.etag() == c.etag();
      },
      10s));
  load.finish();
  EXPECT_EQ(load.failed(), 0) << "of " << load.requests();
}

TEST_F(Replicas, AWrongPasswordIsSaidAndServingGoesOn) {
  Upstream upstream;
  test::ScopedEnv wrong(password_variable, "not-the-password");
  Replica a(upstream, {3600, redis_.url()});
  EXPECT_TRUE(eventually([&] { return !a.etag().empty(); }, 10s));
  EXPECT_EQ(a.redis_state(), "down");
  test::Json j(a.get("/v1/catalog/gateways").body);
  std::string error{std::string_view(j["redis"]["last_error"])};
  EXPECT_NE(error.find("WRONGPASS"), std::string::npos) << error;
  EXPECT_NE(a.log().find("the password from redis_password_env"), std::string::npos) << a.log();
}

TEST_F(Replicas, ARebindOnOneReplicaNeverReachesAnotherOnTheOldBinding) {
  Upstream upstream;
  test::ScopedEnv admin("GATEHOUSE_ADMIN_TOKEN", "admin-secret");
  ReplicaOptions o{3600, redis_.url()};
  Replica a(upstream, o), b(upstream, o);
  ASSERT_TRUE(eventually([&] { return !a.etag().empty() && !b.etag().empty(); }, 10s));
  std::string old_binding = b.etag();
  auto rebound = a.put("/admin/gateways/deepinfra/plugin",
                       R"({"plugin": "openai_compatible", "options": {"base_url": ")" +
                           upstream.url() + R"(", "provider": "together"}})");
  ASSERT_EQ(rebound.status, 200u) << rebound.body;
  EXPECT_NE(a.etag(), old_binding) << "the rebound replica serves its new plugin's catalog";
  std::this_thread::sleep_for(1500ms);  // three periodic checks, and the announcement
  EXPECT_EQ(b.etag(), old_binding) << "a replica on the old binding took the new one's catalog";
  Replica c(upstream, o);  // started with the old config: the old binding's catalog
  EXPECT_EQ(c.etag(), old_binding);
}

TEST_F(Replicas, ALockOwnerKilledWhileFetchingDelaysTheNextFetchOnlyByTheLock) {
  Upstream upstream(60s, 1);  // the first walk hangs
  ReplicaOptions o{3600, redis_.url(), 20000};
  Replica owner(upstream, o);
  ASSERT_TRUE(eventually([&] { return upstream.walks() == 1; }, 5s));
  Replica waiting(upstream, o);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(upstream.walks(), 1) << "the lock is held: the second replica waits";
  owner.process().stop(SIGKILL);
  auto killed = Clock::now();
  test::HttpResult r = waiting.get("/v1/catalog/models?gateway=deepinfra&limit=5");
  auto after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed);
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(upstream.walks(), 2);
  EXPECT_LT(after, 10s) << "the lock expires 1.5 s after its owner's last renewal";
  std::cout << "[ figures  ] lock owner killed: the next replica served " << after.count()
            << " ms later (lock 1500 ms)\n";
}

}  // namespace
}  // namespace gatehouse
