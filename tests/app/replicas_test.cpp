// Several gatehouse processes on one real redis-server and one fake upstream that counts
// its calls: one fetch per TTL for the fleet, a late replica served from Redis, Redis
// killed and back, a wrong password, and a lock owner killed while it fetches.
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/paths.hpp"
#include "harness/plugin_run.hpp"
#include "harness/redis_server.hpp"
#include "harness/scoped_env.hpp"
#include "harness/subprocess.hpp"
#include "harness/test_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <regex>
#include <thread>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* password_variable = "GATEHOUSE_TEST_REDIS_PASSWORD";

std::string recording(const std::string& name) {
  std::ifstream in(std::string(GATEHOUSE_FIXTURES_DIR) + "/openai_compatible/" + name);
  return {std::istreambuf_iterator<char>(in), {}};
}

// An OpenAI-style /v1/models that changes at every walk (two recordings in turn), so each
// fetch is a new catalog version; the first `slow` walks hang that long first.
class Upstream {
 public:
  explicit Upstream(std::chrono::milliseconds slow = 0ms, int slow_walks = 0)
      : server_([this, slow, slow_walks](const test::SeenRequest&) {
          int walk = walks_++;
          test::CannedReply reply{
              200, {{"Content-Type", "application/json"}}, walk % 2 ? groq_ : deepinfra_};
          if (walk < slow_walks) reply.delay = slow;
          return reply;
        }) {
    server_.answer_concurrently();
  }
  int walks() const { return walks_.load(); }
  std::string url() const { return server_.url(); }

 private:
  const std::string deepinfra_ = recording("deepinfra_154.json");
  const std::string groq_ = recording("groq.json");
  std::atomic<int> walks_{0};
  test::FakeUpstream server_;
};

struct ReplicaOptions {
  int64_t ttl_s = 3600;
  std::string redis_url;
  int64_t first_fetch_wait_ms = 10000;
};

// One gatehouse process with its own cache folder.
class Replica {
 public:
  Replica(const Upstream& upstream, const ReplicaOptions& o) {
    std::ofstream(dir_.path() / "config.toml") << R"([server]
listen = "127.0.0.1:0"
threads = 2
[cache]
dir = ")" << (dir_.path() / "cache").string() << R"("
first_fetch_wait_ms = )" << o.first_fetch_wait_ms
                                               << R"(
retry_initial_ms = 200
retry_max_ms = 1000
redis_url = ")" << o.redis_url << R"("
redis_password_env = ")" << password_variable << R"("
redis_connect_timeout_ms = 300
redis_timeout_ms = 1000
redis_lock_ms = 1500
redis_poll_ms = 500
[plugins]
dir = ")" << std::string(GATEHOUSE_PLUGIN_DIR) << R"("
[http]
max_retries = 0
[[gateways]]
name = "deepinfra"
plugin = ")" << test::built_plugin("openai_compatible").string()
                                               << R"("
ttl_s = )" << o.ttl_s << R"(
[gateways.options]
base_url = ")" << upstream.url() << R"("
provider = "deepinfra"
)";
    process_ = std::make_unique<test::Process>(
        std::vector<std::string>{test::gatehouse_binary, "--config", config()});
    if (!process_->wait_for_stderr("ready: serving", 10s))
      throw std::runtime_error("replica did not start:\n" + process_->err());
    std::smatch port;
    std::string err = process_->err();
    std::regex_search(err, port, std::regex("http://127\\.0\\.0\\.1:([0-9]+)"));
    port_ = static_cast<uint16_t>(std::stoi(port[1]));
  }

  test::HttpResult get(const std::string& target) const { return test::http_get(port_, target); }
  test::HttpResult put(const std::string& target, const std::string& body) const {
    return test::http_request(port_, "PUT", target, {{"Authorization", "Bearer admin-secret"}},
                              body);
  }
  std::string etag() const {
    return get("/v1/catalog/models?gateway=deepinfra&limit=5").header("etag");
  }
  // The shared tier's state in /v1/catalog/gateways ("up", "down").
  std::string redis_state() const {
    test::Json j(get("/v1/catalog/gateways").body);
    return std::string(std::string_view(j["redis"]["state"]));
  }
  int64_t fetched_at() const {
    test::Json j(get("/v1/catalog/gateways").body);
    auto g = j["data"].at(0)["fetched_at"];
    return g.is_null() ? 0 : int64_t(g);
  }
  test::Process& process() { return *process_; }
  std::string log() {
    process_->wait_for_stderr("\x01", 50ms);  // reads what has come so far
    return process_->err();
  }

 private:
  std::string config() const { return (dir_.path() / "config.toml").string(); }

  test::TempDir dir_;
  std::unique_ptr<test::Process> process_;
  uint16_t port_ = 0;
};

// Until `done()` or the timeout; true when done.
template <class Done>
bool eventually(Done done, std::chrono::milliseconds timeout) {
  for (auto end = Clock::now() + timeout; Clock::now() < end; std::this_thread::sleep_for(20ms))
    if (done()) return true;
  return done();
}

// Requests on every replica, all the time, counting answers that were not 200.
class Load {
 public:
  explicit Load(const std::vector<Replica*>& replicas) {
    for (Replica* r : replicas)
      threads_.emplace_back([this, r] {
        while (!stop_) {
          ++requests_;
          if (r->get("/v1/catalog/models?gateway=deepinfra&limit=20").status != 200) ++failed_;
          std::this_thread::sleep_for(5ms);
        }
      });
  }
  ~Load() { finish(); }
  void finish() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  int requests() const { return requests_; }
  int failed() const { return failed_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0}, failed_{0};
  std::vector<std::thread> threads_;
};

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
