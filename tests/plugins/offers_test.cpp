// One model, every gateway that routes it: the Hub (with its Inference Providers router),
// Portkey, OpenRouter and DeepInfra served side by side from their recordings (fake
// upstreams on 127.0.0.1; the router's answer is hand-made, see tests/fixtures/PROVENANCE.md),
// and the merged view's entries, offers and offer filters checked against what a client
// computes from the gateways' own answers.
#include "app/config.hpp"
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/paths.hpp"
#include "harness/plugin_run.hpp"
#include "harness/price_check.hpp"
#include "harness/scoped_env.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"

#include <gtest/gtest.h>
#include <gatehouse/text.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

namespace gatehouse {
namespace {

using test::CannedReply;
using test::FakeUpstream;
using test::SeenRequest;

// The Hub's 100 most downloaded models of the recording (deepseek-ai/DeepSeek-V3 among them).
std::string hub_list_100() {
  simdjson::dom::parser parser;
  simdjson::dom::array records =
      parser.load(test::fixture("huggingface/list_2817.json")).get_array().value();
  std::string out = "[";
  size_t n = 0;
  for (simdjson::dom::element m : records)
    if (n++ < 100) out += (out.size() > 1 ? "," : "") + simdjson::minify(m);
  return out + "]";
}

GatewayConfig gateway(const std::string& name, const std::string& plugin, PluginOptions options) {
  return test::plugin_gateway(name, test::built_plugin(plugin), std::move(options));
}

std::optional<std::string> text_or_null(simdjson::dom::element e) {
  if (e.is_null()) return std::nullopt;
  return std::string(std::string_view(e.get_string().value()));
}

// A price as a number, for ordering only (decimal text compares exactly as long double here).
std::optional<long double> price_of(simdjson::dom::element e) {
  std::optional<std::string> text = text_or_null(e);
  return text ? std::optional<long double>(std::stold(*text)) : std::nullopt;
}

std::optional<int64_t> integer_or_null(simdjson::dom::element e) {
  return e.is_null() ? std::nullopt : std::optional<int64_t>(int64_t(e.get_int64().value()));
}

// What README promises of the keys, computed from a model's JSON as a client sees it: price
// is the cheapest live offer's prompt price (the model's own when it has no offer); context
// the largest of its context_length and its live offers'.
struct ClientKeys {
  std::optional<long double> price;
  std::optional<int64_t> context;
};

ClientKeys keys_of(simdjson::dom::element model) {
  ClientKeys k;
  simdjson::dom::array offers = model["offers"].get_array().value();
  if (offers.size() == 0) k.price = price_of(model["pricing"]["prompt"]);
  k.context = integer_or_null(model["context_length"]);
  for (simdjson::dom::element o : offers) {
    std::optional<std::string> status = text_or_null(o["status"]);
    if (status && *status != "live") continue;
    std::optional<long double> p = price_of(o["pricing"]["prompt"]);
    if (p && (!k.price || *p < *k.price)) k.price = p;
    std::optional<int64_t> c = integer_or_null(o["context_length"]);
    if (c && (!k.context || *c > *k.context)) k.context = c;
  }
  return k;
}

class MergedOffers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bodies_ = new std::map<std::string, std::string>{
        {"hug", hub_list_100()},
        {"portkey", test::read_bytes(test::fixture("portkey/models.json"))},
        {"openrouter", test::read_bytes(test::fixture("openrouter/models_414.json"))},
        {"deepinfra", test::read_bytes(test::fixture("openai_compatible/deepinfra_154.json"))},
        {"router", test::read_bytes(test::fixture("huggingface/router_v1_models_handmade.json"))},
        {"legacy", "deepseek-ai/DeepSeek-V3\nlegacy/only-here\n"}};
    for (const auto& [name, body] : *bodies_)
      upstreams_[name] = new FakeUpstream([body = &body](const SeenRequest&) {
        return CannedReply{200, {}, *body};
      });
    key_ = new test::ScopedEnv("PORTKEY_API_KEY", "pk-1");
    dir_ = new test::TempDir;
    Config config;
    config.cache.dir = dir_->path();
    config.gateways = {
        gateway("hug", "huggingface",
                {{"base_url", upstreams_["hug"]->url()},
                 {"router_url", upstreams_["router"]->url()},
                 {"essential_models", ""}}),
        gateway("portkey", "portkey", {{"base_url", upstreams_["portkey"]->url()}}),
        gateway("openrouter", "openrouter", {{"base_url", upstreams_["openrouter"]->url()}}),
        gateway("deepinfra", "openai_compatible",
                {{"base_url", upstreams_["deepinfra"]->url()},
                 {"path", "/v1/openai/models"},
                 {"provider", "deepinfra"}}),
        // A plugin built against the ABI 1.0 header (no canonical ids, no offers).
        test::plugin_gateway("legacy", test::test_plugin("c_sample_v1_0"),
                             {{"url", upstreams_["legacy"]->url()}}),
    };
    server_ = new test::TestServer(config);
  }
  static void TearDownTestSuite() {
    delete server_;
    for (auto& [name, upstream] : upstreams_) delete upstream;
    upstreams_.clear();
    delete dir_;
    delete key_;
    delete bodies_;
  }

  static test::Json get(const std::string& target) {
    auto r = test::http_get(server_->port(), target);
    EXPECT_EQ(r.status, 200u) << target << ": " << r.body;
    test::expect_prices_are_decimal_text(r.body, target);
    return test::Json(r.body);
  }

  static inline std::map<std::string, std::string>* bodies_;
  static inline std::map<std::string, FakeUpstream*> upstreams_;
  static inline test::ScopedEnv* key_;
  static inline test::TempDir* dir_;
  static inline test::TestServer* server_;
};

// Records are one model when they share an id or a canonical id, directly or through
// others (lower-cased): counted here with a plain union-find over the gateways' answers.
TEST_F(MergedOffers, TheMergeHasOneEntryPerModelAcrossGateways) {
  std::map<std::string, std::string> parent;
  auto root = [&](std::string k) {
    while (parent[k] != k) k = parent[k];
    return k;
  };
  auto node = [&](const std::string& k) {
    if (!parent.count(k)) parent[k] = k;
    return k;
  };
  std::vector<std::string> record_ids;
  for (std::string gw : {"hug", "portkey", "openrouter", "deepinfra", "legacy"}) {
    test::Json all = get("/v1/catalog/models?gateway=" + gw + "&limit=5000");
    for (auto m : all.items("data")) {
      std::string id = ascii_lower(std::string_view(m["id"].get_string().value()));
      std::string canonical = ascii_lower(text_or_null(m["canonical_id"]).value_or(id));
      parent[root(node(id))] = root(node(canonical));
      record_ids.push_back(id);
      for (auto o : m["offers"].get_array())
        EXPECT_EQ(std::string_view(o["gateway"].get_string().value()), gw)
            << "a gateway's own view shows its own offers only";
    }
  }
  std::set<std::string> models;
  for (const std::string& id : record_ids) models.insert(root(id));
  test::Json merged = get("/v1/catalog/models?limit=5000");
  EXPECT_EQ(int64_t(merged["total"]), int64_t(models.size()));
  EXPECT_LT(models.size(), record_ids.size()) << "the recordings share dozens of models";
}

TEST_F(MergedOffers, AModelListsEveryGatewaysOffersCheapestFirst) {
  test::Json v3 = get("/v1/catalog/models/deepseek-ai/DeepSeek-V3");
  EXPECT_EQ(std::string_view(v3["id"]), "deepseek-ai/DeepSeek-V3");
  EXPECT_EQ(std::string_view(v3["source_gateway"]), "hug");  // the first gateway's fields
  std::set<std::string> gateways;
  std::optional<long double> previous;
  bool null_seen = false;
  for (auto o : v3.items("offers")) {
    gateways.insert(std::string(std::string_view(o["gateway"])));
    std::optional<long double> p = price_of(o["pricing"]["prompt"]);
    if (!p) null_seen = true;
    EXPECT_FALSE(p && null_seen) << "a priced offer after an unpriced one: " << o;
    if (p && previous) {
      EXPECT_LE(*previous, *p) << o;
    }
    if (p) previous = p;
  }
  EXPECT_EQ(gateways, (std::set<std::string>{"hug", "portkey", "openrouter", "deepinfra"}))
      << v3.root();
  // The Hub's record, enriched by the router: the cheapest live provider's price, the
  // largest live window.
  EXPECT_EQ(std::string_view(v3["pricing"]["prompt"]), "0.0000004");
  EXPECT_EQ(int64_t(v3["context_length"]), 131072);
  EXPECT_TRUE(null_seen) << "Portkey's offer has no price";
  EXPECT_TRUE(previous) << "DeepInfra's and OpenRouter's have one";

  // The same entry by any gateway's id for it, in any case.
  for (std::string other : {"deepseek/deepseek-chat", "@deepinfra/deepseek-ai/DeepSeek-V3",
                            "DEEPSEEK-AI/deepseek-v3"}) {
    test::Json same = get("/v1/catalog/models/" + other);
    EXPECT_EQ(std::string_view(same["id"]), "deepseek-ai/DeepSeek-V3") << other;
  }
  // A gateway's own view keeps its own record and offers.
  test::Json openrouter = get("/v1/catalog/models/deepseek/deepseek-chat?gateway=openrouter");
  EXPECT_EQ(std::string_view(openrouter["canonical_id"]), "deepseek-ai/DeepSeek-V3");
  ASSERT_EQ(openrouter.items("offers").size(), 1u);
  EXPECT_EQ(std::string_view(openrouter.items("offers")[0]["provider"]), "openrouter");
}

TEST_F(MergedOffers, AnAbi10PluginIsServedBesideAbi11Ones) {
  test::Json gateways = get("/v1/catalog/gateways");
  std::map<std::string, std::string> abi;
  for (auto g : gateways.items("data"))
    abi[std::string(std::string_view(g["name"]))] = std::string_view(g["plugin"]["abi"]);
  EXPECT_EQ(abi["legacy"], "1.0");
  EXPECT_EQ(abi["hug"], "1.1");
  test::Json legacy = get("/v1/catalog/models?gateway=legacy");
  ASSERT_EQ(legacy.ids(),
            (std::vector<std::string>{"deepseek-ai/DeepSeek-V3", "legacy/only-here"}));
  for (auto m : legacy.items("data")) {
    EXPECT_TRUE(m["canonical_id"].is_null());
    EXPECT_EQ(m["offers"].get_array().size(), 0u);
  }
  // In the merge it joins the model by its id, and is its own entry otherwise.
  EXPECT_EQ(std::string_view(get("/v1/catalog/models/legacy/only-here")["source_gateway"]),
            "legacy");
  EXPECT_EQ(std::string_view(get("/v1/catalog/models/deepseek-ai/DeepSeek-V3")["source_gateway"]),
            "hug");
}

// The merged full list is over 256 KB: its deflate is made on a fetch thread once the merge
// is published, and until then the answer goes uncompressed (no I/O thread deflates a big
// catalog). Either way it is the same list.
TEST_F(MergedOffers, ABigFullListIsGzippedOnceItsDeflateIsMade) {
  auto plain = test::http_get(server_->port(), "/v1/catalog/models");
  ASSERT_EQ(plain.status, 200u);
  ASSERT_GT(plain.body.size(), size_t{256} << 10);
  test::HttpResult gzipped;
  for (int i = 0; i < 500; ++i) {
    gzipped = test::http_get(server_->port(), "/v1/catalog/models", {{"Accept-Encoding", "gzip"}});
    if (gzipped.header("content-encoding") == "gzip") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(gzipped.header("content-encoding"), "gzip");
  auto without_timestamp = [](std::string body) {
    return body.substr(0, body.find("\"timestamp\""));
  };
  EXPECT_EQ(without_timestamp(test::gunzip(gzipped.body)), without_timestamp(plain.body));
}

// The ten cheapest long-context models across gateways: every entry passes the bound, in
// price order, and the total is what a client counts over the whole merge.
TEST_F(MergedOffers, CheapestLongContextModelsAcrossGateways) {
  test::Json all = get("/v1/catalog/models?limit=5000");
  std::vector<long double> passing;  // their prices
  int64_t long_context = 0;          // priced or not
  for (auto m : all.items("data")) {
    ClientKeys k = keys_of(m);
    long_context += k.context && *k.context >= 100000;
    if (k.context && *k.context >= 100000 && k.price) passing.push_back(*k.price);
  }
  std::sort(passing.begin(), passing.end());
  ASSERT_GE(passing.size(), 10u);

  test::Json page = get("/v1/catalog/models?sort=price&min_context=100000&limit=10");
  EXPECT_EQ(int64_t(page["total"]), long_context);
  ASSERT_EQ(page.items("data").size(), 10u);
  for (size_t i = 0; i < 10; ++i) {
    ClientKeys k = keys_of(page.items("data")[i]);
    ASSERT_TRUE(k.price && k.context);
    EXPECT_GE(*k.context, 100000);
    EXPECT_EQ(*k.price, passing[i]) << i;
  }
}

TEST_F(MergedOffers, OfferedByAndMaxPromptPriceFilterTheMerge) {
  test::Json all = get("/v1/catalog/models?limit=5000");
  int64_t expected = 0;
  for (auto m : all.items("data")) {
    bool deepinfra = false;
    for (auto o : m["offers"].get_array())
      deepinfra = deepinfra || std::string_view(o["gateway"]) == "deepinfra";
    ClientKeys k = keys_of(m);
    expected += deepinfra && k.price && *k.price <= 0.0000001L;
  }
  test::Json page = get("/v1/catalog/models?offered_by=deepinfra&max_prompt_price=1e-7&limit=5000");
  EXPECT_EQ(int64_t(page["total"]), expected);
  EXPECT_GT(expected, 0);
  for (auto m : page.items("data")) EXPECT_LE(*keys_of(m).price, 0.0000001L) << m["id"];
}

}  // namespace
}  // namespace gatehouse

namespace gatehouse {
namespace {

// The router gone (404: a wrong router_url; a 5xx is retried first): the Hub's catalog is
// served whole, without offers, and the operator reads why in /v1/catalog/gateways.
TEST(RouterDown, TheHubCatalogIsServedAndTheWarningShown) {
  std::string hub_body = test::read_bytes(test::fixture("huggingface/list_50.json"));
  FakeUpstream hub([&](const SeenRequest&) { return CannedReply{200, {}, hub_body}; });
  FakeUpstream router([](const SeenRequest&) { return CannedReply{404, {}, "no such route"}; });
  test::TempDir dir;
  Config config;
  config.cache.dir = dir.path();
  config.gateways = {
      gateway("hug", "huggingface",
              {{"base_url", hub.url()}, {"router_url", router.url()}, {"essential_models", ""}})};
  test::TestServer server(config);
  auto models = test::http_get(server.port(), "/v1/catalog/models?gateway=hug&limit=100");
  ASSERT_EQ(models.status, 200u) << models.body;
  test::Json page(models.body);
  EXPECT_EQ(int64_t(page["total"]), 50);
  for (auto m : page.items("data")) EXPECT_EQ(m["offers"].get_array().size(), 0u);
  server.wait_until_idle();
  test::Json gateways(test::http_get(server.port(), "/v1/catalog/gateways").body);
  auto hug = gateways.items("data").at(0);
  EXPECT_TRUE(hug["last_error"].is_null());
  ASSERT_GE(hug["warnings"].get_array().size(), 1u) << hug;
  std::string_view warning = hug["warnings"].at(0);
  EXPECT_TRUE(warning.starts_with("router: HTTP 404 from " + router.url() + "/v1/models"))
      << warning;
}

}  // namespace
}  // namespace gatehouse
