// Rebinding a gateway's plugin at run time through the admin API: the canonical rollback
// of `hug` from the Hugging Face plugin to Portkey with the old name patterns, and back,
// under load, with zero failed or mixed responses.
#include "catalog/snapshot_store.hpp"
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

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::CannedReply;
using test::FakeUpstream;
using test::Json;
using test::SeenRequest;

const std::string token = "s3cret-admin-token";

class HotSwap : public ::testing::Test {
 protected:
  HotSwap()
      : key_("PORTKEY_API_KEY", "pk-test"),
        hub_list_(test::read_bytes(test::fixture("huggingface/list_50.json"))),
        portkey_list_(test::read_bytes(test::fixture("portkey/models.json"))),
        hub_([this](const SeenRequest&) {
          return CannedReply{200, {}, hub_list_};
        }),
        portkey_([this](const SeenRequest&) {
          return CannedReply{200, {}, portkey_list_};
        }) {
    // The plugin folder an operator has: the real plugins and one whose create fails.
    for (auto [from, as] : {std::pair{test::built_plugin("huggingface"), "huggingface"},
                            std::pair{test::built_plugin("portkey"), "portkey"},
                            std::pair{test::test_plugin("bad_create_fails"), "broken"}})
      std::filesystem::copy_file(from, plugins_.path() / (std::string(as) + ".so"));
    // A partial copy of a release (hardening B1: dlopen of it was SIGBUS).
    std::string truncated = test::read_bytes(test::built_plugin("huggingface")).substr(0, 100000);
    std::ofstream(plugins_.path() / "truncated.so", std::ios::binary) << truncated;
  }

  Config config() const {
    Config c;
    c.plugins.dir = plugins_.path();
    c.cache.dir = cache_.path();
    c.http.max_retries = 0;  // an upstream that is down fails the swap at once
    GatewayConfig hug;
    hug.name = "hug";
    hug.plugin = "huggingface";
    hug.aliases = {"huggingface"};
    hug.options = hub_options();
    c.gateways.push_back(hug);
    return c;
  }
  PluginOptions hub_options() const {
    return {{"base_url", hub_.url()},
            {"essential_models", ""},
            {"sorts", "downloads"},
            {"router_url", ""}};
  }
  std::string to_hub_body() const {
    return R"({"plugin": "huggingface", "options": {"base_url": ")" + hub_.url() +
           R"(", "essential_models": "", "sorts": ["downloads"], "router_url": ""}})";
  }
  std::string to_portkey_body() const {
    return R"({"plugin": "portkey", "options": {"base_url": ")" + portkey_.url() +
           R"(", "patterns": ["llava-hf", "hugging", "hf/"]}})";
  }

  static test::HttpResult put_plugin(const test::TestServer& s, const std::string& body,
                                     const std::string& auth = "Bearer " + token) {
    test::Headers headers{{"Content-Type", "application/json"}};
    if (!auth.empty()) headers.emplace_back("Authorization", auth);
    return test::http_request(s.port(), "PUT", "/admin/gateways/hug/plugin", headers, body);
  }

  // "hub" when every model came from the Hub plugin, "portkey" when all from Portkey,
  // anything else is a broken or mixed response.
  static std::string origin_of(const test::HttpResult& r) {
    if (r.status != 200) return "status " + std::to_string(r.status);
    Json j(r.body);
    size_t hub = 0, portkey = 0, total = 0;
    for (auto m : j.items("data")) {
      ++total;
      hub += m["huggingface_metrics"].error() == simdjson::SUCCESS;
      portkey += m["portkey_metrics"].error() == simdjson::SUCCESS;
    }
    if (total == 50 && hub == 50 && int64_t(j["total"]) == 50) return "hub";
    if (total == 2 && portkey == 2 && int64_t(j["total"]) == 2) return "portkey";
    return "mixed: " + std::to_string(hub) + " hub, " + std::to_string(portkey) + " portkey";
  }

  test::ScopedEnv key_;
  std::string hub_list_, portkey_list_;
  FakeUpstream hub_, portkey_;
  test::TempDir plugins_, cache_;
};

TEST_F(HotSwap, AdminRoutesAreAbsentWithoutAConfiguredToken) {
  test::TestServer server(config());
  EXPECT_EQ(put_plugin(server, to_portkey_body()).status, 404u);
}

TEST_F(HotSwap, AdminNeedsTheRightBearerToken) {
  test::TestServer server(config(), {}, token);
  auto none = put_plugin(server, to_portkey_body(), "");
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer realm=\"gatehouse admin\"");
  EXPECT_EQ(put_plugin(server, to_portkey_body(), "Bearer wrong").status, 403u);
  EXPECT_EQ(put_plugin(server, to_portkey_body(), "Basic " + token).status, 401u);
  EXPECT_EQ(put_plugin(server, to_portkey_body(), "Bearer " + token + "x").status, 403u);
  EXPECT_EQ(put_plugin(server, to_portkey_body(), "Bearer").status, 401u);
  EXPECT_EQ(put_plugin(server, to_portkey_body()).status, 200u);
  // Hardening P18: auth schemes are case-insensitive (RFC 9110 11.1); "bearer" was a 401.
  EXPECT_EQ(put_plugin(server, to_portkey_body(), "bearer " + token).status, 200u);
  EXPECT_EQ(put_plugin(server, to_portkey_body(), "BEARER " + token).status, 200u);
}

TEST_F(HotSwap, RollbackToPortkeyPatternsAndForwardAgain) {
  test::TestServer server(config(), {}, token);
  auto models = [&] { return test::http_get(server.port(), "/v1/catalog/models?gateway=hug"); };
  ASSERT_EQ(origin_of(models()), "hub");

  auto back = put_plugin(server, to_portkey_body());
  ASSERT_EQ(back.status, 200u) << back.body;
  Json swap(back.body);
  EXPECT_EQ(std::string_view(swap["from"]), "huggingface 1.1.0");
  EXPECT_EQ(std::string_view(swap["to"]), "portkey 1.1.0");
  EXPECT_EQ(std::string_view(swap["outcome"]), "ok");
  EXPECT_EQ(int64_t(swap["models"]), 2);
  auto after = models();
  EXPECT_EQ(origin_of(after), "portkey");
  Json j(after.body);
  EXPECT_EQ(j.ids(),
            (std::vector<std::string>{"llava-hf/llava-1.5-7b-hf", "llava-hf/llava-1.5-13b-hf"}));
  // Invisible to clients but for the content: same slot name, same alias.
  EXPECT_EQ(std::string_view(j["data"].at(0)["source_gateway"]), "hug");
  EXPECT_EQ(origin_of(test::http_get(server.port(), "/v1/models?gateway=huggingface")), "portkey");

  ASSERT_EQ(put_plugin(server, to_hub_body()).status, 200u);
  EXPECT_EQ(origin_of(models()), "hub");

  Json gateways(test::http_get(server.port(), "/v1/catalog/gateways").body);
  auto hug = gateways["data"].at(0);
  EXPECT_EQ(std::string_view(hug["plugin"]["name"]), "huggingface");
  auto swaps = hug["swaps"].get_array().value();
  ASSERT_EQ(swaps.size(), 2u);
  EXPECT_EQ(std::string_view(swaps.at(0)["to"]), "portkey 1.1.0");
  EXPECT_EQ(std::string_view(swaps.at(1)["to"]), "huggingface 1.1.0");
  EXPECT_EQ(std::string_view(swaps.at(1)["outcome"]), "ok");
}

TEST_F(HotSwap, AFailedSwapLeavesTheOldBindingServing) {
  test::TestServer server(config(), {}, token);
  ASSERT_EQ(origin_of(test::http_get(server.port(), "/v1/catalog/models?gateway=hug")), "hub");
  struct Case {
    std::string body;
    unsigned status;
    std::string says;
  };
  uint16_t closed_port;
  {
    FakeUpstream gone([](const SeenRequest&) { return CannedReply{}; });
    closed_port = gone.port();
  }
  for (const Case& c : {
           Case{R"({"plugin": "nope"})", 422, "rejected: no such file"},
           Case{R"({"plugin": "truncated"})", 422, "rejected: truncated: a segment needs bytes"},
           Case{R"({"plugin": "broken"})", 422, "CONFIG: option 'base_url' is required"},
           Case{R"({"plugin": "../../etc/passwd"})", 400, "plugin must be a plugin NAME"},
           Case{R"({"plugin": "huggingface", "options": {"base_url": "http://127.0.0.1:)" +
                    std::to_string(closed_port) + R"(", "essential_models": ""}})",
                422, "fetch failed: NETWORK: connect to 127.0.0.1"},
           Case{R"({"plugin": "portkey", "options": {"base_url": ")" + portkey_.url() +
                    R"(", "patterns": ["no-such-model"]}})",
                422, "fewer than min_models = 1"},
           Case{R"({"options": {}})", 400, "body must be"},
           Case{R"({"plugin": "portkey", "options": {"x": 1.5}})", 400, "option 'x' must be"},
           // The rule config.toml follows too (config_test.cpp): a ',' would split the item.
           Case{R"({"plugin": "portkey", "options": {"patterns": ["llava-hf", "a,b"]}})", 400,
                "option 'patterns' must be a string, an integer, a boolean or an array of "
                "strings without ',', got an array item holding ',' ('a,b')"},
           Case{R"({"plugin": "portkey", "options": ["patterns"]})", 400, "must be an object"},
       }) {
    auto r = put_plugin(server, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << "\n" << r.body;
    EXPECT_NE(r.body.find(c.says), std::string::npos) << r.body;
    EXPECT_EQ(origin_of(test::http_get(server.port(), "/v1/catalog/models?gateway=hug")), "hub")
        << "after " << c.body;
  }
  Json gateways(test::http_get(server.port(), "/v1/catalog/gateways").body);
  EXPECT_EQ(std::string_view(gateways["data"].at(0)["plugin"]["name"]), "huggingface");
}

TEST_F(HotSwap, RefreshAndClearCache) {
  test::TestServer server(config(), {}, token);
  ASSERT_EQ(origin_of(test::http_get(server.port(), "/v1/catalog/models?gateway=hug")), "hub");
  auto auth = test::Headers{{"Authorization", "Bearer " + token}};
  server.wait_until_idle();
  size_t before = hub_.requests().size();
  auto refresh = test::http_request(server.port(), "POST", "/admin/gateways/hug/refresh", auth);
  EXPECT_EQ(refresh.status, 200u) << refresh.body;
  EXPECT_EQ(int64_t(Json(refresh.body)["models"]), 50);
  EXPECT_EQ(hub_.requests().size(), before + 1);

  auto clear = test::http_request(server.port(), "DELETE", "/admin/gateways/hug/cache", auth);
  EXPECT_EQ(clear.status, 200u) << clear.body;
  EXPECT_FALSE(std::filesystem::exists(snapshot_path(cache_.path(), "hug")));
  EXPECT_EQ(origin_of(test::http_get(server.port(), "/v1/catalog/models?gateway=hug")), "hub")
      << "the next request fetches again";
  EXPECT_EQ(hub_.requests().size(), before + 2);

  EXPECT_EQ(test::http_request(server.port(), "GET", "/admin/gateways/hug/refresh", auth).status,
            405u);
  EXPECT_EQ(test::http_request(server.port(), "POST", "/admin/gateways/nope/refresh", auth).status,
            404u);
}

TEST_F(HotSwap, SwapsUnderLoadNeverFailOrMixAResponse) {
  test::TestServer server(config(), {}, token);
  ASSERT_EQ(origin_of(test::http_get(server.port(), "/v1/catalog/models?gateway=hug")), "hub");
  constexpr size_t clients = 4, requests_each = 600;
  std::atomic<size_t> running = clients;
  auto client = [&] {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < requests_each; ++i)
      ++seen[origin_of(test::http_get(server.port(), "/v1/catalog/models?gateway=hug"))];
    --running;
    return seen;
  };
  std::vector<std::future<std::map<std::string, size_t>>> load;
  for (size_t i = 0; i < clients; ++i) load.push_back(std::async(std::launch::async, client));
  // Back and forth while the load runs, at least three times.
  for (int round = 0; round < 3 || running > 0; ++round) {
    ASSERT_EQ(put_plugin(server, to_portkey_body()).status, 200u);
    EXPECT_EQ(origin_of(test::http_get(server.port(), "/v1/catalog/models?gateway=hug")),
              "portkey");
    std::this_thread::sleep_for(50ms);
    ASSERT_EQ(put_plugin(server, to_hub_body()).status, 200u);
    EXPECT_EQ(origin_of(test::http_get(server.port(), "/v1/catalog/models?gateway=hug")), "hub");
    std::this_thread::sleep_for(50ms);
  }
  std::map<std::string, size_t> all;
  for (auto& c : load)
    for (auto& [origin, n] : c.get()) all[origin] += n;
  for (auto& [origin, n] : all)
    EXPECT_TRUE(origin == "hub" || origin == "portkey") << n << " responses: " << origin;
  EXPECT_EQ(all["hub"] + all["portkey"], clients * requests_each) << "every response whole";
  EXPECT_GT(all["hub"], 0u);
  EXPECT_GT(all["portkey"], 0u);
}

}  // namespace
}  // namespace gatehouse
