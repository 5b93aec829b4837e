// Gatehouse replicas for tests: real gatehouse processes on one Redis and one fake
// upstream that counts its calls, and the load and waits the tests put them under.
#pragma once

#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/paths.hpp"
#include "harness/plugin_run.hpp"
#include "harness/subprocess.hpp"
#include "harness/test_client.hpp"

#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

namespace gatehouse::test {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* password_variable = "GATEHOUSE_TEST_REDIS_PASSWORD";

inline std::string recording(const std::string& name) {
  std::ifstream in(std::string(GATEHOUSE_FIXTURES_DIR) + "/openai_compatible/" + name);
  return {std::istreambuf_iterator<char>(in), {}};
}

// An OpenAI-style /v1/models that changes at every walk (two recordings in turn), so each
// fetch is a new catalog version; the first `slow` walks hang that long first. While
// failing(), it answers 503.
class Upstream {
 public:
  explicit Upstream(std::chrono::milliseconds slow = 0ms, int slow_walks = 0)
      : server_([this, slow, slow_walks](const test::SeenRequest&) {
          int walk = walks_++;
          if (failing_) return test::CannedReply{503, {}, "down for maintenance"};
          test::CannedReply reply{
              200, {{"Content-Type", "application/json"}}, walk % 2 ? groq_ : deepinfra_};
          if (walk < slow_walks) reply.delay = slow;
          return reply;
        }) {
    server_.answer_concurrently();
  }
  int walks() const { return walks_.load(); }
  void fail(bool failing) { failing_ = failing; }
  std::string url() const { return server_.url(); }

 private:
  const std::string deepinfra_ = recording("deepinfra_154.json");
  const std::string groq_ = recording("groq.json");
  std::atomic<int> walks_{0};
  std::atomic<bool> failing_{false};
  test::FakeUpstream server_;
};

struct ReplicaOptions {
  int64_t ttl_s = 3600;
  std::string redis_url;
  int64_t first_fetch_wait_ms = 10000;
  int64_t lock_ms = 1500;
  int64_t max_catalog_bytes = 0;  // 0: the default (the key is left out)
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
redis_lock_ms = )" << o.lock_ms << R"(
redis_poll_ms = 500
)"
                                               << (o.max_catalog_bytes
                                                       ? "redis_max_catalog_bytes = " +
                                                             std::to_string(o.max_catalog_bytes) +
                                                             "\n"
                                                       : "")
                                               << R"([plugins]
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
  uint16_t port() const { return port_; }
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
  for (auto end = SteadyClock::now() + timeout; SteadyClock::now() < end;
       std::this_thread::sleep_for(20ms))
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

// The resident memory of process `pid` (0: this one), in kB.
inline long rss_kb(pid_t pid = 0) {
  std::ifstream status(pid ? "/proc/" + std::to_string(pid) + "/status" : "/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return 0;
}

}  // namespace gatehouse::test
