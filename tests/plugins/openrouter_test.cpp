// The OpenRouter plugin: both recorded shapes normalized completely, hand-picked records
// field by field, and fetch (paging, options) against a fake OpenRouter on 127.0.0.1.
#include "harness/fake_upstream.hpp"
#include "harness/plugin_run.hpp"
#include "harness/price_check.hpp"
#include "plugin_host/http_client.hpp"

#include <gtest/gtest.h>

#include <set>

namespace gatehouse {
namespace {

using test::CannedReply;
using test::FakeUpstream;
using test::SeenRequest;
using sv = std::string_view;

PluginInstance openrouter(PluginOptions options = {}, const HttpClient* http = nullptr) {
  return PluginInstance(load_plugin(test::built_plugin("openrouter")), "openrouter", options,
                        HostContext{http});
}

const test::Emitted& recorded(const std::string& name) {
  static std::map<std::string, test::Emitted> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  PluginInstance p = openrouter();
  return cache.emplace(name, test::normalize(p, test::read_bytes(test::fixture(name))))
      .first->second;
}

const test::Emitted& current() { return recorded("openrouter/models_414.json"); }
const test::Emitted& legacy() { return recorded("openrouter/models_legacy_220.json"); }

test::ModelJson model(const test::Emitted& e, const std::string& id) {
  const ModelRecord* m = e.find(id);
  if (!m) throw std::runtime_error(id + " not emitted");
  return test::ModelJson(*m);
}

sv text(simdjson::dom::element e) { return e.get_string().value(); }

TEST(OpenRouterNormalize, EveryEntryOfBothShapesBecomesOneValidModel) {
  for (const auto* e : {&current(), &legacy()}) {
    ASSERT_TRUE(e->result.ok()) << e->result.message;
    EXPECT_TRUE(e->invalid.empty()) << e->invalid.front();
    std::set<std::string> ids;
    for (const auto& m : e->models) ids.insert(m.id);
    EXPECT_EQ(ids.size(), e->models.size());
  }
  EXPECT_EQ(current().models.size(), 414u);
  EXPECT_EQ(legacy().models.size(), 220u);
}

TEST(OpenRouterNormalize, EveryPriceIsDecimalTextPerTokenOrNull) {
  for (const auto* e : {&current(), &legacy()})
    for (const auto& m : e->models) test::expect_prices_are_decimal_text(m.json, m.id);
}

TEST(OpenRouterNormalize, ACurrentRecordFieldByField) {
  auto j = model(current(), "qwen/qwen3.8-27b");
  EXPECT_EQ(text(j["name"]), "Qwen: Qwen3.8 27B");
  EXPECT_EQ(int64_t(j["created"]), 1786722910);
  EXPECT_EQ(int64_t(j["context_length"]), 262144);
  EXPECT_EQ(text(j["provider_slug"]), "qwen");
  EXPECT_EQ(text(j["provider_site_url"]), "https://openrouter.ai/qwen/qwen3.8-27b");
  EXPECT_EQ(text(j["architecture"]["modality"]), "text+image+video->text");
  EXPECT_EQ(text(j["pricing"]["prompt"]), "0.00000045");
  EXPECT_EQ(text(j["pricing"]["completion"]), "0.0000032");
  auto metrics = j["openrouter_metrics"];
  EXPECT_EQ(text(metrics["canonical_slug"]), "qwen/qwen3.8-27b-20260814");
  EXPECT_EQ(text(metrics["hugging_face_id"]), "Qwen/Qwen3.8-27B");
  EXPECT_TRUE(metrics["variant"].is_null());
  EXPECT_FALSE(bool(metrics["variable_pricing"]));
  EXPECT_EQ(int64_t(metrics["top_provider"]["max_completion_tokens"]), 131072);
  EXPECT_FALSE(bool(metrics["top_provider"]["is_moderated"]));
  EXPECT_EQ(text(metrics["pricing"]["input_cache_read"]), "0.00000005");
  EXPECT_EQ(text(metrics["supported_parameters"].at(0)), "frequency_penalty");
  EXPECT_EQ(metrics["supported_parameters"].get_array().size(), 18u);
}

TEST(OpenRouterNormalize, AVariablePriceRouterHasNullPricesAndSaysSo) {
  auto j = model(current(), "openrouter/auto");
  EXPECT_TRUE(j["pricing"]["prompt"].is_null());
  EXPECT_TRUE(j["pricing"]["completion"].is_null());
  EXPECT_TRUE(bool(j["openrouter_metrics"]["variable_pricing"]));
  EXPECT_EQ(int64_t(j["context_length"]), 2000000);
  EXPECT_TRUE(j["openrouter_metrics"]["top_provider"]["context_length"].is_null());
  EXPECT_EQ(text(j["architecture"]["output_modalities"].at(1)), "image");
  // The 2025 router also priced requests and images at "-1".
  auto old = model(legacy(), "openrouter/auto");
  EXPECT_TRUE(old["pricing"]["prompt"].is_null());
  EXPECT_TRUE(old["openrouter_metrics"]["pricing"]["request"].is_null());
  EXPECT_TRUE(bool(old["openrouter_metrics"]["variable_pricing"]));
}

TEST(OpenRouterNormalize, AFreeVariantIsFreeNotUnknown) {
  auto j = model(current(), "z-ai/glm-5.2:free");
  EXPECT_EQ(text(j["pricing"]["prompt"]), "0");
  EXPECT_EQ(text(j["pricing"]["completion"]), "0");
  EXPECT_EQ(text(j["openrouter_metrics"]["variant"]), "free");
  EXPECT_EQ(text(j["openrouter_metrics"]["hugging_face_id"]), "zai-org/GLM-5.2");
  EXPECT_FALSE(bool(j["openrouter_metrics"]["variable_pricing"]));
  EXPECT_EQ(
      text(model(current(), "google/gemini-3.7-flash:batch")["openrouter_metrics"]["variant"]),
      "batch");
}

TEST(OpenRouterNormalize, AnAliasBelongsToItsVendorAndNamesItsTarget) {
  auto j = model(current(), "~anthropic/claude-opus-latest");
  EXPECT_EQ(text(j["provider_slug"]), "anthropic");
  EXPECT_EQ(text(j["openrouter_metrics"]["alias_of"]), "anthropic/claude-opus-5");
  EXPECT_TRUE(j["openrouter_metrics"]["hugging_face_id"].is_null()) << "\"\" is no id";
  EXPECT_TRUE(bool(j["openrouter_metrics"]["top_provider"]["is_moderated"]));
  EXPECT_EQ(text(j["openrouter_metrics"]["pricing"]["input_cache_write_1h"]), "0.00001");
}

TEST(OpenRouterNormalize, TieredPricesAreKeptPerTier) {
  test::ModelJson grok = model(current(), "x-ai/grok-4.6");  // owns what the elements point into
  auto tiers = grok["openrouter_metrics"]["pricing_overrides"];
  ASSERT_EQ(tiers.get_array().size(), 1u);
  EXPECT_EQ(int64_t(tiers.at(0)["min_prompt_tokens"]), 200000);
  EXPECT_EQ(text(tiers.at(0)["prompt"]), "0.000004");
  EXPECT_EQ(text(tiers.at(0)["input_cache_read"]), "0.000001");
  test::ModelJson deepseek = model(current(), "deepseek/deepseek-v4-pro-0813");
  auto by_time = deepseek["openrouter_metrics"];
  EXPECT_EQ(by_time["pricing_overrides"].get_array().size(), 4u);
  EXPECT_EQ(int64_t(by_time["pricing_overrides"].at(1)["utc_end"]), 400);
}

TEST(OpenRouterNormalize, AnImageModelKeepsItsOtherPrices) {
  auto j = model(current(), "google/gemini-3-pro-image");
  EXPECT_EQ(text(j["architecture"]["modality"]), "image+text->image+text");
  auto prices = j["openrouter_metrics"]["pricing"];
  EXPECT_EQ(text(prices["image_output"]), "0.00012");
  EXPECT_EQ(text(prices["internal_reasoning"]), "0.000012");
  EXPECT_EQ(text(prices["web_search"]), "0.014");
  EXPECT_EQ(int64_t(j["openrouter_metrics"]["top_provider"]["context_length"]), 65536);
}

TEST(OpenRouterNormalize, TheLegacyShapeGetsItsModalitiesFromTheModalityString) {
  auto j = model(legacy(), "minimax/minimax-01");
  EXPECT_EQ(text(j["architecture"]["input_modalities"].at(0)), "text");
  EXPECT_EQ(text(j["architecture"]["input_modalities"].at(1)), "image");
  EXPECT_EQ(text(j["architecture"]["output_modalities"].at(0)), "text");
  EXPECT_EQ(text(j["architecture"]["modality"]), "text+image->text");
  EXPECT_TRUE(j["openrouter_metrics"]["canonical_slug"].is_null());
  EXPECT_TRUE(j["openrouter_metrics"]["supported_parameters"].is_null());
  EXPECT_EQ(text(j["openrouter_metrics"]["pricing"]["image"]), "0");
  EXPECT_EQ(text(model(legacy(), "openai/gpt-4o:extended")["openrouter_metrics"]["variant"]),
            "extended");
}

// Hand-made: what a careless or hostile upstream might send instead.
TEST(OpenRouterNormalize, OddValuesAreNulledOrMadeDecimalNeverFatal) {
  PluginInstance p = openrouter();
  auto e = test::normalize(p, R"({"data":[
    {"id":"a/exp","pricing":{"prompt":"1e-7","completion":"abc","image":-1},"context_length":0,
     "created":0,"architecture":{"input_modalities":["text","","a","b","c","d","e","f","g","h",
     "i","j","k","l","m","n","o","p"],"output_modalities":["text"]},"top_provider":"x"},
    {"name":"no id"}, 7, {"id":"b/num","pricing":{"prompt":0.000001,"completion":null}}]})");
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  ASSERT_EQ(e.models.size(), 2u);
  EXPECT_TRUE(e.invalid.empty());
  test::ModelJson a(e.models[0]);
  EXPECT_EQ(text(a["pricing"]["prompt"]), "0.0000001");
  EXPECT_TRUE(a["pricing"]["completion"].is_null());
  EXPECT_TRUE(a["context_length"].is_null()) << "0 is no window";
  EXPECT_TRUE(a["created"].is_null());
  EXPECT_EQ(a["architecture"]["input_modalities"].get_array().size(), 16u);
  EXPECT_TRUE(bool(a["openrouter_metrics"]["variable_pricing"]));
  EXPECT_TRUE(a["openrouter_metrics"]["top_provider"].is_null());
  test::ModelJson b(e.models[1]);
  EXPECT_EQ(text(b["pricing"]["prompt"]), "0.000001");
  EXPECT_TRUE(b["pricing"]["completion"].is_null());
}

// Hand-made, from what a review sent: tier prices are prices, "-0" is zero, and an id
// cannot bend its page's URL.
TEST(OpenRouterNormalize, TierPricesSignsAndUrlsAreTakenApartCarefully) {
  PluginInstance p = openrouter();
  auto e = test::normalize(p, R"({"data":[
    {"id":"a/b c?d#e","pricing":{"prompt":"-0","completion":"0.1","overrides":[
      {"min_prompt_tokens":200000,"prompt":-1,"completion":0,"utc_start":"x"}]}},
    {"id":"/x","pricing":{"prompt":"-abc"}}]})");
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  ASSERT_EQ(e.models.size(), 2u);
  test::expect_prices_are_decimal_text(e.models[0].json, "a/b c?d#e");
  test::ModelJson a(e.models[0]);
  EXPECT_EQ(text(a["pricing"]["prompt"]), "0");
  EXPECT_EQ(text(a["provider_site_url"]), "https://openrouter.ai/a/b%20c%3Fd%23e");
  auto tier = a["openrouter_metrics"]["pricing_overrides"].at(0);
  EXPECT_EQ(int64_t(tier["min_prompt_tokens"]), 200000);
  EXPECT_TRUE(tier["prompt"].is_null());
  EXPECT_EQ(text(tier["completion"]), "0");
  EXPECT_TRUE(tier["utc_start"].is_null());
  EXPECT_TRUE(bool(a["openrouter_metrics"]["variable_pricing"])) << "the tier's -1";
  test::ModelJson b(e.models[1]);
  EXPECT_TRUE(b["provider_slug"].is_null()) << "no owner before the '/'";
  EXPECT_TRUE(b["pricing"]["prompt"].is_null());
  EXPECT_FALSE(bool(b["openrouter_metrics"]["variable_pricing"])) << "-abc is no price at all";
}

TEST(OpenRouterNormalize, WhatIsNotAModelListFailsWithTheOffset) {
  PluginInstance p = openrouter();
  std::string bytes = test::read_bytes(test::fixture("openrouter/models_414.json"));
  auto cut = test::normalize(p, bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(cut.result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_NE(cut.result.message.find("the input is not an OpenRouter model list at byte "),
            std::string::npos)
      << cut.result.message;
  auto array = test::normalize(p, "[1,2]");
  EXPECT_EQ(array.result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_NE(array.result.message.find("an object whose \"data\" is an array"), std::string::npos)
      << array.result.message;
}

// A page cut between two entries says where it ends, not "byte 0".
TEST(OpenRouterNormalize, ACutPageNamesItsEnd) {
  PluginInstance p = openrouter();
  std::string cut = R"({"data":[{"id":"a/b"},)";
  auto e = test::normalize(p, cut);
  EXPECT_EQ(e.result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_NE(e.result.message.find("at byte " + std::to_string(cut.size())), std::string::npos)
      << e.result.message;
}

// Found by fuzz_openrouter_normalize: looking "links" up with find_field_unordered after
// the entries made simdjson 3.0 reach an "unreachable" point on these spliced bytes (UBSan,
// in the asan preset). The root's fields are walked in order now.
TEST(OpenRouterNormalize, SplicedBytesAreReadWithoutUndefinedBehaviour) {
  PluginInstance p = openrouter();
  auto e = test::normalize(p, test::read_bytes(test::test_data("openrouter_spliced.json")));
  EXPECT_TRUE(e.result.ok() || e.result.status == GATEHOUSE_ERR_PARSE) << e.result.message;
  EXPECT_TRUE(e.invalid.empty());
}

TEST(OpenRouterOptions, BadOptionsAreRefusedAtCreate) {
  auto refused = [](PluginOptions options) {
    try {
      openrouter(options);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused({{"output_modalities", "text&x=1"}}).find("output_modalities"),
            std::string::npos);
  EXPECT_NE(refused({{"max_pages", "0"}}).find("max_pages"), std::string::npos);
  for (const char* url : {"openrouter.ai", "http://admin:hunter2@127.0.0.1:1", "http://x?q=1",
                          "http://x#f", "http:// x", "https://"})
    EXPECT_NE(refused({{"base_url", url}})
                  .find("option 'base_url' must be an http(s) URL with a "
                        "host and no user, query or fragment"),
              std::string::npos)
        << url;
  EXPECT_NE(refused({{"api_key", "sk-x"}}).find("unknown option 'api_key'"), std::string::npos);
}

// A hand-made page of `ids`, whose links.next is `next` ("" for null).
std::string page(const std::vector<std::string>& ids, const std::string& next) {
  std::string out = R"({"data":[)";
  for (size_t i = 0; i < ids.size(); ++i) {
    out.append(i ? "," : "").append(R"({"id":")").append(ids[i]);
    out.append(R"(","pricing":{"prompt":"0.000001","completion":"0.000002"}})");
  }
  out.append(R"(],"links":{"next":)");
  if (next.empty())
    out.append("null");
  else
    out.append("\"").append(next).append("\"");
  return out.append("}}");
}

TEST(OpenRouterFetch, FollowsLinksNextAndAsksForTheConfiguredModalities) {
  FakeUpstream fake([](const SeenRequest& r) {
    if (r.target == "/api/v1/models?output_modalities=all")
      return CannedReply{200, {}, page({"a/one", "a/two"}, "/api/v1/models?cursor=2")};
    if (r.target == "/api/v1/models?cursor=2")
      return CannedReply{200, {}, page({"a/two", "a/three"}, "?cursor=3")};
    if (r.target == "/api/v1/models?cursor=3") return CannedReply{200, {}, page({"a/four"}, "")};
    return CannedReply{404, {}, "no such page: " + r.target};
  });
  HttpClient http;
  PluginInstance p = openrouter({{"base_url", fake.url()}, {"output_modalities", "all"}}, &http);
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  std::vector<std::string> ids;
  for (const auto& m : e.models) ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a/one", "a/two", "a/three", "a/four"}));
  EXPECT_EQ(fake.requests().size(), 3u);
}

TEST(OpenRouterFetch, APageThatLinksToItselfEndsTheWalk) {
  FakeUpstream fake([](const SeenRequest&) {
    return CannedReply{200, {}, page({"a/one"}, "/api/v1/models")};
  });
  HttpClient http;
  PluginInstance p = openrouter({{"base_url", fake.url()}}, &http);
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  EXPECT_EQ(e.models.size(), 1u);
  EXPECT_EQ(fake.requests().size(), 1u);
}

TEST(OpenRouterFetch, MaxPagesBoundsAnEndlessCursor) {
  std::atomic<int> served = 0;
  FakeUpstream fake([&](const SeenRequest&) {
    int n = ++served;
    return CannedReply{
        200,
        {},
        page({"a/m" + std::to_string(n)}, "/api/v1/models?cursor=" + std::to_string(n + 1))};
  });
  HttpClient http;
  PluginInstance p = openrouter({{"base_url", fake.url()}, {"max_pages", "3"}}, &http);
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  EXPECT_EQ(e.models.size(), 3u);
  EXPECT_EQ(served, 3);
}

}  // namespace
}  // namespace gatehouse
