// A bounded soak (GATEHOUSE_SOAK_SECONDS, default 30): load on every route while the hug
// gateway is rebound back and forth, the config is reloaded, the upstreams flap between
// good and faulty, and caches are cleared and refreshed. Every answer for a gateway that
// has data is a 200 with a whole catalog, every body is valid JSON, and the process lives.
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/plugin_run.hpp"
#include "harness/scoped_env.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <map>
#include <random>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::CannedReply;
using test::FakeUpstream;
using test::SeenRequest;

const std::string token = "soak-token";

// An upstream that serves its recording, or, while flapping, one of the faults in turn.
class Flapping {
 public:
  explicit Flapping(std::string good)
      : good_(std::move(good)), upstream_([this](const SeenRequest&) { return reply(); }) {}
  std::string url() const { return upstream_.url(); }
  void flap(bool faulty) { faulty_ = faulty; }

 private:
  CannedReply reply() {
    if (!faulty_) return CannedReply{200, {}, good_};
    switch (turn_++ % 4) {
      case 0: return CannedReply{500, {}, "{\"error\":\"down\"}"};
      case 1: return CannedReply{200, {}, good_.substr(0, good_.size() / 3)};
      case 2: return CannedReply{200, {}, "<html>maintenance</html>"};
      default: {
        CannedReply r;
        r.reset = true;
        return r;
      }
    }
  }

  std::string good_;
  std::atomic<bool> faulty_ = false;
  std::atomic<int> turn_ = 0;
  FakeUpstream upstream_;
};

struct Tally {
  std::map<std::string, size_t> problems;  // what went wrong -> how often
  size_t answers = 0;
  void add(const std::string& problem) { ++problems[problem.substr(0, 200)]; }
};

// Checks one answer of a route that must always work once every gateway has had data.
void check(const std::string& target, const test::HttpResult& r, Tally& tally) {
  ++tally.answers;
  bool model = target.starts_with("/v1/catalog/models/");
  if (r.status != 200 && !(model && r.status == 404)) {
    tally.add(target + " -> " + std::to_string(r.status) + " " + r.body.substr(0, 120));
    return;
  }
  if (target == "/metrics" || r.status == 404) return;
  try {
    test::Json j(r.body);
    if (!target.starts_with("/v1/catalog/models?")) return;
    size_t data = j.items("data").size();
    if (int64_t(j["returned"]) != static_cast<int64_t>(data))
      tally.add(target + ": returned disagrees with data");
    if (target.find("limit=") == std::string::npos && int64_t(j["total"]) != int64_t(data))
      tally.add(target + ": a partial catalog");
    std::string gateway{std::string_view(j["gateway"])};
    // Never silent: the answer names the part of every gateway, both of them for "all".
    size_t parts = 0;
    simdjson::dom::object named = j["gateways"].get_object().value();  // named: looped over
    for (auto [name, state] : named) {
      std::string_view s = state.get_string().value();
      ++parts;
      if (s != "fresh" && s != "stale" && s != "fetching" && s != "empty" && s != "error")
        tally.add(target + ": a part in an unknown state");
    }
    if (parts != (gateway == "all" ? 2u : 1u)) tally.add(target + ": parts not named");
    for (auto m : j.items("data"))
      if (gateway != "all" && std::string_view(m["source_gateway"]) != gateway)
        tally.add(target + ": a model of another gateway");
  } catch (const std::exception& e) {
    tally.add(target + ": not JSON: " + e.what());
  }
}

TEST(Soak, EveryRouteAnswersWholeWhileEverythingChanges) {
  const char* env = std::getenv("GATEHOUSE_SOAK_SECONDS");
  auto duration = std::chrono::seconds(env ? std::atoi(env) : 30);
  test::ScopedEnv key("PORTKEY_API_KEY", "pk-soak");
  Flapping hub(test::read_bytes(test::fixture("huggingface/list_50.json")));
  Flapping portkey(test::read_bytes(test::fixture("portkey/models.json")));
  test::TempDir dir;
  std::filesystem::copy_file(test::built_plugin("huggingface"), dir.path() / "huggingface.so");
  std::filesystem::copy_file(test::built_plugin("portkey"), dir.path() / "portkey.so");
  auto file = dir.path() / "config.toml";
  auto write_config = [&](int ttl_s) {
    std::ofstream(file, std::ios::trunc)
        << "[plugins]\ndir = \".\"\n[cache]\ndir = \"cache\"\nfirst_fetch_wait_ms = 8000\n"
        << "retry_initial_ms = 50\nretry_max_ms = 200\n"
        << "[http]\ntimeout_ms = 2000\nmax_retries = 0\n"
        << "[[gateways]]\nname = \"hug\"\nplugin = \"huggingface\"\nttl_s = " << ttl_s
        << "\n[gateways.options]\nbase_url = \"" << hub.url()
        << "\"\nessential_models = \"\"\nsorts = \"likes\"\n"
        << "[[gateways]]\nname = \"pk\"\nplugin = \"portkey\"\n[gateways.options]\n"
        << "base_url = \"" << portkey.url() << "\"\n";
  };
  write_config(3600);
  test::TestServer server(load_config(file), {}, token);
  for (const char* gateway : {"hug", "pk"})
    ASSERT_EQ(
        test::http_get(server.port(), std::string("/v1/catalog/models?gateway=") + gateway).status,
        200u);

  std::atomic<bool> done = false;
  auto load = [&](int seed) {
    Tally tally;
    std::mt19937 rng(seed);
    const std::vector<std::string> targets = {
        "/v1/catalog/models?gateway=hug",
        "/v1/catalog/models?gateway=all",
        "/v1/catalog/models?gateway=pk&limit=7&offset=3&sort=name",
        "/v1/catalog/models?gateway=hug&q=llama&sort=downloads",
        "/v1/catalog/models/meta-llama/Llama-3.1-8B-Instruct",
        "/v1/catalog/gateways",
        "/metrics",
        "/healthz"};
    while (!done) {
      const std::string& target = targets[rng() % targets.size()];
      try {
        test::Headers gzip;
        if (rng() % 3 == 0) gzip.emplace_back("Accept-Encoding", "gzip");
        test::HttpResult r = test::http_get(server.port(), target, gzip);
        if (r.header("content-encoding") == "gzip") r.body = test::gunzip(r.body);
        check(target, r, tally);
      } catch (const std::exception& e) {
        tally.add(target + ": " + e.what());
      }
    }
    return tally;
  };
  std::vector<std::future<Tally>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(std::async(std::launch::async, load, i));

  // The chaos: one change at a time, as an operator and a flaky upstream would make them.
  test::Headers auth{{"Authorization", "Bearer " + token}};
  auto admin = [&](const std::string& method, const std::string& path, const std::string& body) {
    return test::http_request(server.port(), method, path, auth, body).status;
  };
  std::mt19937 rng(42);
  std::map<std::string, size_t> actions;
  bool rolled_back = false;
  for (auto until = std::chrono::steady_clock::now() + duration;
       std::chrono::steady_clock::now() < until;) {
    switch (rng() % 5) {
      case 0: {  // the rollback and the roll-forward
        std::string body =
            rolled_back ? R"({"plugin": "huggingface", "options": {"base_url": ")" + hub.url() +
                              R"(", "essential_models": "", "sorts": "likes", "router_url": ""}})"
                        : R"({"plugin": "portkey", "options": {"base_url": ")" + portkey.url() +
                              R"(", "patterns": ["llava-hf", "hf/"]}})";
        if (admin("PUT", "/admin/gateways/hug/plugin", body) == 200) rolled_back = !rolled_back;
        ++actions["rebind"];
        break;
      }
      case 1:  // a SIGHUP's work: re-read the config, sometimes with another TTL
        write_config(rng() % 2 ? 3600 : 1);
        admin("POST", "/admin/reload", "");
        rolled_back = false;  // the file binds hug to the Hub again
        ++actions["reload"];
        break;
      case 2:  // the upstreams misbehave for a while, and refreshes meet it
        hub.flap(true);
        portkey.flap(true);
        admin("POST", "/admin/gateways/hug/refresh", "");
        admin("POST", "/admin/gateways/pk/refresh", "");
        std::this_thread::sleep_for(100ms);
        hub.flap(false);
        portkey.flap(false);
        // A fetch that met the faults may still be running: were the next step a clear, its
        // failure would leave the gateway without data (and rightly answering 503).
        server.wait_until_idle();
        ++actions["flap"];
        break;
      case 3: {  // forget a catalog: answers wait for the refetch (the upstream is good)
        std::string gateway = rng() % 2 ? "pk" : "hug";
        admin("DELETE", "/admin/gateways/" + gateway + "/cache", "");
        // It has had data again before the upstream may flap: until then it has none.
        EXPECT_EQ(test::http_get(server.port(), "/v1/catalog/models?gateway=" + gateway).status,
                  200u);
        ++actions["clear"];
        break;
      }
      default: std::this_thread::sleep_for(50ms);
    }
    std::this_thread::sleep_for(20ms);
  }
  done = true;
  Tally all;
  for (auto& c : clients) {
    Tally t = c.get();
    all.answers += t.answers;
    for (auto& [problem, n] : t.problems) all.problems[problem] += n;
  }
  for (auto& [problem, n] : all.problems) ADD_FAILURE() << n << " x " << problem;
  EXPECT_GT(all.answers, static_cast<size_t>(duration.count()) * 10) << "the load ran";
  std::cout << "soak: " << all.answers << " answers in " << duration.count() << " s; rebinds "
            << actions["rebind"] << ", reloads " << actions["reload"] << ", flaps "
            << actions["flap"] << ", clears " << actions["clear"] << "\n";
  EXPECT_EQ(test::http_get(server.port(), "/healthz").status, 200u);
}

}  // namespace
}  // namespace gatehouse
