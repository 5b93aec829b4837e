// What every keyed gateway plugin owes its operator, checked on each against a fake upstream
// on 127.0.0.1 serving its real recording: the key is sent only when its variable is set,
// a 401 keeps the last good catalog, a 429 is waited out. Then one gatehouse serving the
// Hub, Portkey, OpenRouter and DeepInfra side by side, and their merge.
#include "app/config.hpp"
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/plugin_run.hpp"
#include "harness/price_check.hpp"
#include "harness/scoped_env.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"
#include "plugin_host/http_client.hpp"
#include "support/clock.hpp"

#include <gtest/gtest.h>
#include <gatehouse/text.hpp>

#include <atomic>
#include <set>
#include <sstream>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::CannedReply;
using test::FakeUpstream;
using test::ScopedEnv;
using test::SeenRequest;

struct Upstream {
  std::string plugin;
  PluginOptions options;                       // besides base_url
  std::string fixture;                         // its recorded answer
  std::string path;                            // what the plugin asks for
  int64_t models;                              // what the recording normalizes to
  std::string key_env, key_header, key_value;  // key_value: the header's value for key "k-1"
  bool key_required = false;                   // fails without the variable (Portkey)
};

std::ostream& operator<<(std::ostream& out, const Upstream& u) { return out << u.plugin; }

const Upstream upstreams[] = {
    {"openrouter",
     {},
     "openrouter/models_414.json",
     "/api/v1/models",
     414,
     "OPENROUTER_API_KEY",
     "authorization",
     "Bearer k-1"},
    {"openai_compatible",
     {{"path", "/v1/openai/models"}, {"provider", "deepinfra"}, {"api_key_env", "DEEPINFRA_KEY"}},
     "openai_compatible/deepinfra_154.json",
     "/v1/openai/models",
     154,
     "DEEPINFRA_KEY",
     "authorization",
     "Bearer k-1"},
    {"openai_compatible",
     {{"api_key_env", "LOCAL_KEY"}, {"auth_header", "x-api-key"}},
     "openai_compatible/vllm.json",
     "/v1/models",
     1,
     "LOCAL_KEY",
     "x-api-key",
     "k-1"},
    {"portkey",
     {},
     "portkey/models.json",
     "/v1/models",
     203,
     "PORTKEY_API_KEY",
     "x-portkey-api-key",
     "k-1",
     true},
};

class KeyedGateway : public ::testing::TestWithParam<Upstream> {
 protected:
  PluginOptions options(const FakeUpstream& fake) const {
    PluginOptions o = GetParam().options;
    o.emplace_back("base_url", fake.url());
    return o;
  }
  PluginInstance plugin(const FakeUpstream& fake) {
    return PluginInstance(load_plugin(test::built_plugin(GetParam().plugin)), "g", options(fake),
                          HostContext{&http_});
  }
  std::string recording() const { return test::read_bytes(test::fixture(GetParam().fixture)); }

  HttpClient http_ = [] {
    HttpClientSettings s;
    s.retry_base = 10ms;
    return HttpClient(s);
  }();
};

TEST_P(KeyedGateway, SendsTheKeyOnlyWhenItsVariableIsSet) {
  const Upstream& u = GetParam();
  std::string body = recording();
  FakeUpstream fake([&](const SeenRequest&) { return CannedReply{200, {}, body}; });
  PluginInstance p = plugin(fake);
  {
    ScopedEnv key(u.key_env.c_str(), "k-1");
    auto e = test::fetch(p);
    ASSERT_TRUE(e.result.ok()) << e.result.message;
    EXPECT_EQ(int64_t(e.models.size()), u.models);
    EXPECT_TRUE(e.invalid.empty());
  }
  ScopedEnv unset(u.key_env.c_str(), nullptr);
  auto without = test::fetch(p);
  EXPECT_EQ(without.result.ok(), !u.key_required) << without.result.message;
  auto seen = fake.requests();
  ASSERT_EQ(seen.size(), u.key_required ? 1u : 2u);
  EXPECT_EQ(seen[0].target, u.path);
  EXPECT_EQ(seen[0].headers[u.key_header], u.key_value);
  if (!u.key_required) {
    EXPECT_EQ(seen[1].headers.count(u.key_header), 0u);
  }
}

TEST_P(KeyedGateway, RateLimitedThenServed) {
  const Upstream& u = GetParam();
  std::string body = recording();
  std::atomic<int> calls = 0;
  FakeUpstream fake([&](const SeenRequest&) {
    if (++calls == 1) return CannedReply{429, {{"Retry-After", "1"}}, "slow down"};
    return CannedReply{200, {}, body};
  });
  ScopedEnv key(u.key_env.c_str(), "k-1");
  PluginInstance p = plugin(fake);
  auto started = std::chrono::steady_clock::now();
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  EXPECT_EQ(int64_t(e.models.size()), u.models);
  EXPECT_EQ(calls, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s) << "Retry-After is honoured";
}

TEST_P(KeyedGateway, A401KeepsTheLastGoodCatalogAndSaysWhy) {
  const Upstream& u = GetParam();
  std::string body = recording();
  std::atomic<bool> revoked = false;
  FakeUpstream fake([&](const SeenRequest&) {
    if (revoked) return CannedReply{401, {}, "{\"message\":\"Invalid API Key\"}"};
    return CannedReply{200, {}, body};
  });
  ScopedEnv key(u.key_env.c_str(), "k-1");
  test::TempDir dir;
  Config config;
  config.cache.dir = dir.path();
  config.cache.retry_initial_ms = 60000;
  GatewayConfig g;
  g.name = "g";
  g.plugin = test::built_plugin(u.plugin).string();
  g.ttl_s = 60;
  g.options = options(fake);
  config.gateways.push_back(g);
  ManualClock clock(system_clock().now_unix_ms());
  test::TestServer server(config, {}, "", &clock);
  auto total = [&] {
    auto r = test::http_get(server.port(), "/v1/catalog/models?gateway=g&limit=1");
    return std::pair(int64_t(test::Json(r.body)["total"]),
                     bool(test::Json(r.body)["cache"]["stale"]));
  };
  EXPECT_EQ(total(), std::pair(u.models, false));
  server.wait_until_idle();

  revoked = true;
  clock.advance(60s);
  total();  // the refresh starts
  auto state = [&] {
    test::Json g(test::http_get(server.port(), "/v1/catalog/gateways").body);
    return std::string(std::string_view(g["data"].at(0)["state"]));
  };
  for (int i = 0; i < 500 && state() != "error"; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(state(), "error");
  test::Json gateways(test::http_get(server.port(), "/v1/catalog/gateways").body);
  EXPECT_EQ(std::string_view(gateways["data"].at(0)["last_error"]),
            "fetch failed: UPSTREAM: HTTP 401 from " + fake.url(u.path) +
                ": {\"message\":\"Invalid API Key\"}");
  EXPECT_EQ(total(), std::pair(u.models, true));
}

INSTANTIATE_TEST_SUITE_P(Plugins, KeyedGateway, ::testing::ValuesIn(upstreams),
                         [](const auto& info) {
                           return info.param.plugin + "_" + std::to_string(info.index);
                         });

// The Hub's records, one page, as a list answer.
std::string hub_page() {
  simdjson::dom::parser parser;
  simdjson::dom::array records =
      parser.load(test::fixture("huggingface/list_50.json")).get_array().value();
  std::string out = "[";
  for (simdjson::dom::element m : records) out += (out.size() > 1 ? "," : "") + simdjson::minify(m);
  return out + "]";
}

GatewayConfig gateway(const std::string& name, const std::string& plugin, PluginOptions options) {
  return test::plugin_gateway(name, test::built_plugin(plugin), std::move(options));
}

TEST(FourGateways, ServesEachAndTheirMergeWithEveryPriceDecimalOrNull) {
  std::string hub_body = hub_page();
  std::string portkey_body = test::read_bytes(test::fixture("portkey/models.json"));
  std::string openrouter_body = test::read_bytes(test::fixture("openrouter/models_414.json"));
  std::string deepinfra_body =
      test::read_bytes(test::fixture("openai_compatible/deepinfra_154.json"));
  FakeUpstream hub([&](const SeenRequest&) { return CannedReply{200, {}, hub_body}; });
  FakeUpstream portkey([&](const SeenRequest&) { return CannedReply{200, {}, portkey_body}; });
  FakeUpstream openrouter([&](const SeenRequest&) {
    return CannedReply{200, {}, openrouter_body};
  });
  FakeUpstream deepinfra([&](const SeenRequest&) { return CannedReply{200, {}, deepinfra_body}; });
  ScopedEnv key("PORTKEY_API_KEY", "pk-1");
  test::TempDir dir;
  Config config;
  config.cache.dir = dir.path();
  config.gateways = {
      gateway("hug", "huggingface",
              {{"base_url", hub.url()}, {"essential_models", ""}, {"router_url", ""}}),
      gateway("portkey", "portkey", {{"base_url", portkey.url()}}),
      gateway("openrouter", "openrouter", {{"base_url", openrouter.url()}}),
      gateway("deepinfra", "openai_compatible",
              {{"base_url", deepinfra.url()},
               {"path", "/v1/openai/models"},
               {"provider", "deepinfra"}}),
  };
  test::TestServer server(config);

  auto all_of = [&](const std::string& gateway) {
    auto r = test::http_get(server.port(), "/v1/catalog/models?gateway=" + gateway + "&limit=1000");
    EXPECT_EQ(r.status, 200u) << gateway << ": " << r.body;
    test::expect_prices_are_decimal_text(r.body, gateway);
    return test::Json(r.body);
  };
  EXPECT_EQ(int64_t(all_of("hug")["total"]), 50);
  EXPECT_EQ(int64_t(all_of("portkey")["total"]), 203);
  EXPECT_EQ(int64_t(all_of("openrouter")["total"]), 414);
  EXPECT_EQ(int64_t(all_of("deepinfra")["total"]), 154);

  // The merge (offers_test.cpp checks its entries): every gateway has models in it.
  test::Json merged = all_of("all");
  std::set<std::string> sources;
  for (auto m : merged["data"].get_array())
    sources.insert(std::string(std::string_view(m["source_gateway"])));
  EXPECT_EQ(sources, (std::set<std::string>{"deepinfra", "hug", "openrouter", "portkey"}));
  auto llama =
      test::http_get(server.port(), "/v1/catalog/models/Qwen/Qwen3.5-27B?gateway=deepinfra");
  ASSERT_EQ(llama.status, 200u) << llama.body;
  EXPECT_EQ(std::string_view(test::Json(llama.body)["pricing"]["completion"]), "0.0000026");
}

// config.toml ships the new gateways commented out: each block, uncommented, must be a
// config that starts its plugin (an option renamed in a plugin must be renamed there too).
TEST(ShippedConfig, EveryCommentedOutGatewayExampleStartsItsPlugin) {
  std::string shipped =
      test::read_bytes(std::filesystem::path(GATEHOUSE_TEST_DATA_DIR) / "../../config.toml");
  size_t from = shipped.find("# [[gateways]]", shipped.find("# More gateways"));
  size_t to = shipped.find("# Rollback:");
  ASSERT_LT(from, to);
  std::string blocks;
  std::istringstream lines(shipped.substr(from, to - from));
  for (std::string line; std::getline(lines, line);)
    blocks += (line.rfind("# ", 0) == 0 ? line.substr(2) : line == "#" ? "" : line) + "\n";
  Config examples = parse_config(blocks, "config.toml");
  std::vector<std::string> names;
  for (const GatewayConfig& g : examples.gateways) {
    names.push_back(g.name);
    EXPECT_NO_THROW(PluginInstance(load_plugin(test::built_plugin(g.plugin)), g.name, g.options))
        << g.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"openrouter", "deepinfra", "groq", "vllm", "ollama"}));
}

}  // namespace
}  // namespace gatehouse
