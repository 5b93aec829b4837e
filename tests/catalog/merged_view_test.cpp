// The merged `all` view: it never lags a gateway's own answer, it waits for first fetches
// like a single gateway does, and a partial answer says which gateways it lacks.
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/plugin_run.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"
#include "support/clock.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <future>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;

int64_t total_of(uint16_t port, const std::string& gateway) {
  auto r = test::http_get(port, "/v1/catalog/models?limit=1&gateway=" + gateway);
  if (r.status != 200) return -1;
  return int64_t(test::Json(r.body)["total"]);
}

// The total once it is `expected` (or what it is after 5 s).
int64_t total_becomes(uint16_t port, const std::string& gateway, int64_t expected) {
  int64_t total = total_of(port, gateway);
  for (int i = 0; i < 1000 && total != expected; ++i) {
    std::this_thread::sleep_for(5ms);
    total = total_of(port, gateway);
  }
  return total;
}

// The real Hub plugin on the real 2,817-model list: merging it takes long enough that a
// merge published after the gateway's own catalog is seen lagging (it was, every time).
TEST(MergedView, OnceAGatewayAnswersItsCatalogAllIncludesIt) {
  std::string list = test::read_bytes(test::fixture("huggingface/list_2817.json"));
  test::FakeUpstream hub([&](const test::SeenRequest&) {
    return test::CannedReply{200, {}, list};
  });
  test::TempDir cache;
  Config config;
  config.cache.dir = cache.path();
  config.cache.first_fetch_wait_ms = 0;  // nobody waits: every answer is what is published
  config.gateways.push_back(
      test::fixture_gateway("second", test::test_data("fixture_models.json")));
  GatewayConfig hug;
  hug.name = "hug";
  hug.plugin = test::built_plugin("huggingface").string();
  hug.options = {{"base_url", hub.url()},
                 {"sorts", "downloads"},
                 {"essential_models", ""},
                 {"inference_provider", ""},
                 {"router_url", ""}};
  config.gateways.push_back(hug);
  test::TestServer server(config, {}, "token");
  for (int round = 0; round < 3; ++round) {
    int64_t hug_total = -1;
    for (int i = 0; i < 20000 && hug_total < 0; ++i) hug_total = total_of(server.port(), "hug");
    ASSERT_EQ(hug_total, 2817);
    EXPECT_GE(total_of(server.port(), "all"), hug_total) << "round " << round;
    // Forget it: the next request fetches again, and the race is on once more.
    test::http_request(server.port(), "DELETE", "/admin/gateways/hug/cache",
                       {{"Authorization", "Bearer token"}});
  }
}

struct TwoGateways {
  test::TempDir dir;
  std::filesystem::path hold = dir.path() / "hold";  // while it exists, "slow" cannot finish

  Config config(int64_t first_fetch_wait_ms) const {
    Config c;
    c.cache.dir = dir.path() / "cache";
    c.cache.first_fetch_wait_ms = first_fetch_wait_ms;
    c.gateways.push_back(test::fixture_gateway("fast", test::test_data("fixture_models.json")));
    c.gateways.push_back(test::fixture_gateway("slow", test::test_data("hub_list_50.json"),
                                               {{"hold_while", hold.string()}}));
    return c;
  }
};

TEST(MergedView, AllWaitsForEveryGatewaysFirstFetch) {
  TwoGateways up;
  std::ofstream(up.hold) << "hold\n";
  test::TestServer server(up.config(10000));
  auto all = std::async(std::launch::async, [&] {
    return test::http_get(server.port(), "/v1/catalog/models?gateway=all&limit=1");
  });
  for (int i = 0; i < 1000 && !server.catalogs().find("fast")->catalog(); ++i)
    std::this_thread::sleep_for(5ms);
  ASSERT_NE(server.catalogs().find("fast")->catalog(), nullptr);
  std::this_thread::sleep_for(100ms);  // several of the request's polls, all with "slow" held
  EXPECT_EQ(all.wait_for(0ms), std::future_status::timeout) << "no partial answer while waiting";
  std::filesystem::remove(up.hold);
  test::HttpResult r = all.get();
  ASSERT_EQ(r.status, 200u) << r.body;
  test::Json j(r.body);
  EXPECT_EQ(int64_t(j["total"]), 50) << "both gateways (fast's 5 are among slow's 50)";
  EXPECT_EQ(std::string_view(j["gateways"]["fast"]), "fresh");
  EXPECT_EQ(std::string_view(j["gateways"]["slow"]), "fresh");
  EXPECT_NE(r.header("cache-control"), "public, max-age=0");
}

TEST(MergedView, APartialAnswerPastTheWaitNamesWhatItLacksAndIsNotCached) {
  TwoGateways up;
  std::ofstream(up.hold) << "hold\n";
  test::TestServer server(up.config(200));
  auto r = test::http_get(server.port(), "/v1/catalog/models?gateway=all");
  ASSERT_EQ(r.status, 200u) << r.body;
  test::Json j(r.body);
  EXPECT_EQ(int64_t(j["total"]), 5);
  EXPECT_EQ(std::string_view(j["gateways"]["fast"]), "fresh");
  EXPECT_EQ(std::string_view(j["gateways"]["slow"]), "fetching");
  EXPECT_EQ(r.header("cache-control"), "public, max-age=0");
  auto one = test::http_get(server.port(), "/v1/catalog/models/Qwen/QwQ-32B-Preview");
  EXPECT_EQ(one.status, 200u) << "one model from the part that is there";
  std::filesystem::remove(up.hold);
}

TEST(MergedView, AfterACacheClearAllWaitsForTheRefetchInsteadOfServingAPart) {
  TwoGateways up;
  test::TestServer server(up.config(10000), {}, "token");
  ASSERT_EQ(total_of(server.port(), "all"), 50);
  std::ofstream(up.hold) << "hold\n";
  auto cleared = test::http_request(server.port(), "DELETE", "/admin/gateways/slow/cache",
                                    {{"Authorization", "Bearer token"}});
  ASSERT_EQ(cleared.status, 200u) << cleared.body;
  auto all = std::async(std::launch::async, [&] { return total_of(server.port(), "all"); });
  std::this_thread::sleep_for(100ms);
  std::filesystem::remove(up.hold);
  EXPECT_EQ(all.get(), 50) << "the whole merge, not fast's 5";
}

TEST(MergedView, DoesNotWaitForARetryOfAGatewayThatKeepsFailing) {
  TwoGateways up;
  Config config = up.config(10000);
  config.gateways[1].options[0].second = (up.dir.path() / "missing.json").string();
  config.cache.retry_initial_ms = 1000;
  ManualClock clock(system_clock().now_unix_ms());
  test::TestServer server(config, {}, "", &clock);
  ASSERT_EQ(total_of(server.port(), "fast"), 5);
  for (int i = 0; i < 1000 && server.catalogs().find("slow")->fetching(); ++i)
    std::this_thread::sleep_for(5ms);
  std::ofstream(up.hold) << "hold\n";  // the retry, once started, cannot finish
  clock.advance(1s);                   // past the backoff: the next request starts it
  auto started = std::chrono::steady_clock::now();
  auto r = test::http_get(server.port(), "/v1/catalog/models?gateway=all");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "the 10 s first-fetch wait";
  ASSERT_EQ(r.status, 200u) << r.body;
  test::Json j(r.body);
  EXPECT_EQ(int64_t(j["total"]), 5);
  EXPECT_EQ(std::string_view(j["gateways"]["slow"]), "fetching");
  std::filesystem::remove(up.hold);
}

// A fetch of a gateway a reload removed ends after a second reload added a gateway of the
// same name back: its catalog is the removed gateway's, not the new one's.
TEST(MergedView, ALateFetchOfARemovedGatewayNeverStandsInForItsSuccessor) {
  TwoGateways up;
  std::filesystem::path file = up.dir.path() / "config.toml", log = up.dir.path() / "old.log";
  auto write = [&](bool with_slow, const std::string& data, const std::string& extra) {
    std::ofstream(file, std::ios::trunc)
        << "[cache]\ndir = \"cache\"\nfirst_fetch_wait_ms = 0\n"
        << "[[gateways]]\nname = \"fast\"\nplugin = \"" << test::test_plugin("fixture").string()
        << "\"\n[gateways.options]\nfile = \"" << test::test_data("fixture_models.json").string()
        << "\"\n"
        << (with_slow
                ? "[[gateways]]\nname = \"slow\"\nplugin = \"" +
                      test::test_plugin("fixture").string() + "\"\n[gateways.options]\nfile = \"" +
                      test::test_data(data).string() + "\"\n" + extra
                : "");
  };
  write(true, "hub_list_50.json",
        "hold_while = \"" + up.hold.string() + "\"\nlog_file = \"" + log.string() + "\"\n");
  test::TestServer server(load_config(file), {}, "token");
  ASSERT_EQ(total_becomes(server.port(), "slow", 50), 50);
  test::Headers auth{{"Authorization", "Bearer token"}};
  std::ofstream(up.hold) << "hold\n";
  test::http_request(server.port(), "DELETE", "/admin/gateways/slow/cache", auth);
  total_of(server.port(), "slow");  // starts a fetch, held in the plugin
  write(false, "", "");
  ASSERT_NE(
      test::http_request(server.port(), "POST", "/admin/reload", auth).body.find("removed slow"),
      std::string::npos);
  write(true, "fixture_models.json", "");
  ASSERT_NE(
      test::http_request(server.port(), "POST", "/admin/reload", auth).body.find("added slow"),
      std::string::npos);
  std::filesystem::remove(up.hold);  // the removed gateway's fetch ends now
  ASSERT_EQ(total_becomes(server.port(), "slow", 5), 5);
  std::this_thread::sleep_for(100ms);  // time for the late fetch to publish, were it to
  EXPECT_EQ(total_of(server.port(), "slow"), 5);
  EXPECT_EQ(total_of(server.port(), "all"), 5) << "the new slow's 5, not the removed one's 50";
}

}  // namespace
}  // namespace gatehouse
