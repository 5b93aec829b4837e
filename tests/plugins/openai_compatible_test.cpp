// The openai_compatible plugin: DeepInfra's recording normalized completely, each hand-made
// shape (Groq, vLLM, Together, Ollama, LM Studio, a LiteLLM proxy) field by field, and the
// options it refuses.
#include "harness/plugin_run.hpp"
#include "harness/price_check.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

using sv = std::string_view;

PluginInstance compatible(PluginOptions options) {
  if (std::none_of(options.begin(), options.end(), [](auto& o) { return o.first == "base_url"; }))
    options.emplace_back("base_url", "http://127.0.0.1:9");
  return PluginInstance(load_plugin(test::built_plugin("openai_compatible")), "compatible", options,
                        HostContext{});
}

test::Emitted normalized(const std::string& fixture, PluginOptions options = {}) {
  PluginInstance p = compatible(std::move(options));
  auto e = test::normalize(p, test::read_bytes(test::fixture("openai_compatible/" + fixture)));
  EXPECT_TRUE(e.result.ok()) << fixture << ": " << e.result.message;
  EXPECT_TRUE(e.invalid.empty()) << fixture << ": " << e.invalid.front();
  for (const auto& m : e.models) test::expect_prices_are_decimal_text(m.json, m.id);
  return e;
}

test::ModelJson model(const test::Emitted& e, const std::string& id) {
  const ModelRecord* m = e.find(id);
  if (!m) throw std::runtime_error(id + " not emitted");
  return test::ModelJson(*m);
}

sv text(simdjson::dom::element e) { return e.get_string().value(); }

const test::Emitted& deepinfra() {
  static test::Emitted e = normalized("deepinfra_154.json", {{"provider", "deepinfra"}});
  return e;
}

TEST(OpenAiCompatibleNormalize, EveryDeepInfraEntryBecomesOneValidModel) {
  EXPECT_EQ(deepinfra().models.size(), 154u);
}

TEST(OpenAiCompatibleNormalize, DeepInfraPricesPerMillionBecomeExactDecimalsPerToken) {
  auto j = model(deepinfra(), "Qwen/Qwen3.5-27B");
  EXPECT_EQ(text(j["pricing"]["prompt"]), "0.00000026");
  EXPECT_EQ(text(j["pricing"]["completion"]), "0.0000026") << "2.5999999999999996 per 1M";
  EXPECT_TRUE(j["created"].is_null()) << "created 0 is not known";
  EXPECT_EQ(int64_t(j["context_length"]), 262144);
  EXPECT_EQ(text(j["provider_slug"]), "Qwen");
  auto metrics = j["deepinfra_metrics"];
  EXPECT_EQ(text(metrics["owned_by"]), "deepinfra");
  EXPECT_EQ(int64_t(metrics["max_output_tokens"]), 262144);
  EXPECT_EQ(text(metrics["tags"].at(0)), "vision");
  EXPECT_EQ(text(metrics["root"]), "Qwen/Qwen3.5-27B");
  EXPECT_TRUE(metrics["parent"].is_null());
  EXPECT_NE(text(j["description"]).find("Alibaba's largest dense Qwen3.5 model"), sv::npos);

  auto cached = model(deepinfra(), "MiniMaxAI/MiniMax-M2.5");
  EXPECT_EQ(text(cached["deepinfra_metrics"]["pricing"]["cache_read_tokens"]),
            "0.0000000299999997");
  EXPECT_EQ(text(model(deepinfra(), "Qwen/Qwen2.5-72B-Instruct")["pricing"]["prompt"]),
            "0.00000012")
      << "0.12000000000000001 per 1M";
}

TEST(OpenAiCompatibleNormalize, ADeepInfraModelWithNullMetadataKeepsItsIdAndNothingMore) {
  auto j = model(deepinfra(), "black-forest-labs/FLUX-2-klein-9b");
  EXPECT_TRUE(j["pricing"]["prompt"].is_null());
  EXPECT_TRUE(j["context_length"].is_null());
  EXPECT_TRUE(j["description"].is_null());
  EXPECT_EQ(text(j["provider_slug"]), "black-forest-labs");
  EXPECT_EQ(text(j["name"]), "FLUX 2 klein 9b");
}

TEST(OpenAiCompatibleNormalize, GroqWindowAndTheProviderOptionForIdsWithoutOwner) {
  auto e = normalized("groq.json", {{"provider", "groq"}});
  ASSERT_EQ(e.models.size(), 3u);
  auto j = model(e, "llama-3.1-8b-instant");
  EXPECT_EQ(int64_t(j["context_length"]), 131072) << "from context_window";
  EXPECT_EQ(text(j["provider_slug"]), "groq");
  EXPECT_EQ(int64_t(j["created"]), 1693721698);
  EXPECT_EQ(text(j["groq_metrics"]["owned_by"]), "Meta");
  EXPECT_TRUE(bool(j["groq_metrics"]["active"]));
  EXPECT_EQ(int64_t(j["groq_metrics"]["max_output_tokens"]), 131072);
  EXPECT_EQ(text(model(e, "openai/gpt-oss-120b")["provider_slug"]), "openai");
  // Without the option, the owner is whoever the server says owns it.
  EXPECT_EQ(text(model(normalized("groq.json"), "llama-3.1-8b-instant")["provider_slug"]), "Meta");
}

TEST(OpenAiCompatibleNormalize, VllmMaxModelLenAndItsOtherFieldsMinified) {
  auto e = normalized("vllm.json", {{"metrics_key", "local_vllm_metrics"}});
  auto j = model(e, "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(int64_t(j["context_length"]), 32768);
  auto metrics = j["local_vllm_metrics"];
  EXPECT_EQ(text(metrics["root"]), "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(text(metrics["permission"].at(0)["object"]), "model_permission");
  EXPECT_EQ(e.models[0].json.find(": "), std::string::npos) << "kept fields are minified";
}

TEST(OpenAiCompatibleNormalize, TogetherBareArrayWithPricesPerMillion) {
  auto e = normalized("together.json", {{"provider", "together"}});
  ASSERT_EQ(e.models.size(), 2u);
  auto chat = model(e, "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo");
  EXPECT_EQ(text(chat["name"]), "Meta Llama 3.1 8B Instruct Turbo");
  EXPECT_EQ(text(chat["pricing"]["prompt"]), "0.00000018");
  EXPECT_EQ(text(chat["pricing"]["completion"]), "0.00000018");
  EXPECT_EQ(int64_t(chat["together_metrics"]["pricing_other"]["hourly"]), 0);
  EXPECT_EQ(text(chat["together_metrics"]["type"]), "chat");
  auto image = model(e, "black-forest-labs/FLUX.1-schnell");
  EXPECT_TRUE(image["context_length"].is_null()) << "a media model's context_length 0";
  EXPECT_TRUE(image["pricing"]["prompt"].is_null()) << "0 per token, but 0.0027 per image";
  EXPECT_TRUE(image["pricing"]["completion"].is_null());
  EXPECT_EQ(double(image["together_metrics"]["pricing_other"]["base"]), 0.0027);
}

TEST(OpenAiCompatibleNormalize, OllamaTagsWithParameterSize) {
  auto e = normalized("ollama_tags.json", {{"provider", "ollama"}});
  ASSERT_EQ(e.models.size(), 2u);
  auto j = model(e, "qwen2.5:14b");
  EXPECT_EQ(text(j["provider_slug"]), "ollama");
  EXPECT_TRUE(j["created"].is_null());
  auto metrics = j["ollama_metrics"];
  EXPECT_EQ(text(metrics["parameter_size"]), "14.8B");
  EXPECT_EQ(int64_t(metrics["num_parameters"]), 14800000000);
  EXPECT_EQ(text(metrics["details"]["quantization_level"]), "Q4_K_M");
  EXPECT_EQ(int64_t(metrics["size"]), 8988124069);
  EXPECT_EQ(int64_t(model(e, "nomic-embed-text:latest")["ollama_metrics"]["num_parameters"]),
            137000000);
}

TEST(OpenAiCompatibleNormalize, LmStudioWithoutCreatedAndALiteLlmProxyWithPerTokenStrings) {
  auto studio = normalized("lmstudio.json", {{"provider", "lmstudio"}});
  ASSERT_EQ(studio.models.size(), 2u);
  EXPECT_TRUE(model(studio, "qwen2.5-7b-instruct")["created"].is_null());
  auto proxy = normalized("litellm_openrouter_style.json");
  auto j = model(proxy, "anthropic/claude-3.5-sonnet");
  EXPECT_EQ(text(j["pricing"]["prompt"]), "0.000003");
  EXPECT_EQ(text(j["architecture"]["modality"]), "text+image->text");
  EXPECT_EQ(text(j["openai_compatible_metrics"]["pricing"]["input_cache_read"]), "0.0000003");
  EXPECT_EQ(text(j["openai_compatible_metrics"]["pricing"]["image"]), "0.0048");
}

// Hand-made, from what a review sent: one odd field costs that field, never the model; a key
// is written once; a per-token price wins over a per-1M one whatever their order.
TEST(OpenAiCompatibleNormalize, OddFieldsAreLeftOutAndKeysWrittenOnce) {
  PluginInstance p = compatible({});
  auto e = test::normalize(p, R"({"data":[
    {"id":"a/b","x":tru,"y":1e999,"z":01,"ok":[1,{"k":"v"}],"tags":["t"],"type":"chat",
     "metadata":{"type":"meta","tags":["u"]},"pricing":{"prompt":"0.1","input":1,"output":2}},
    {"id":"c/d","pricing":"free"},
    {"id":"e/f","pricing":{"prompt":"-1","completion":"-1"}}]})");
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  ASSERT_EQ(e.models.size(), 3u);
  EXPECT_TRUE(e.invalid.empty()) << e.invalid.front();
  test::ModelJson a(e.models[0]);
  auto metrics = a["openai_compatible_metrics"];
  EXPECT_EQ(metrics["x"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(metrics["y"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(metrics["z"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(text(metrics["ok"].at(1)["k"]), "v");
  EXPECT_EQ(text(metrics["type"]), "chat") << "the first of a repeated key stays";
  EXPECT_EQ(e.models[0].json.find("\"type\":\"meta\""), std::string::npos);
  EXPECT_EQ(text(metrics["tags"].at(0)), "t");
  EXPECT_EQ(text(metrics["tags"].at(1)), "u");
  EXPECT_EQ(text(a["pricing"]["prompt"]), "0.1") << "per token wins over input per 1M";
  EXPECT_EQ(text(a["pricing"]["completion"]), "0.000002");
  test::ModelJson c(e.models[1]);
  EXPECT_EQ(text(c["openai_compatible_metrics"]["upstream_pricing"]), "free");
  test::ModelJson f(e.models[2]);
  EXPECT_TRUE(f["pricing"]["prompt"].is_null());
  EXPECT_TRUE(bool(f["openai_compatible_metrics"]["variable_pricing"]));
}

// A window key that says nothing (0, negative, null, not a number) leaves the window to the
// next key, at the top level and in DeepInfra's metadata alike.
TEST(OpenAiCompatibleNormalize, AWindowKeyOfZeroOrLessGivesWayToTheNextOne) {
  PluginInstance p = compatible({});
  auto e = test::normalize(p, R"({"data":[
    {"id":"a/zero","context_length":0,"context_window":77},
    {"id":"a/negative","context_window":-1,"max_model_len":4096},
    {"id":"a/null","max_model_len":null,"max_context_length":512},
    {"id":"a/text","context_length":"8k","context_window":8192},
    {"id":"a/meta","context_length":0,"metadata":{"context_length":32768}},
    {"id":"a/first","context_length":100,"context_window":200},
    {"id":"a/none","context_length":0,"context_window":-5}]})");
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  ASSERT_TRUE(e.invalid.empty()) << e.invalid.front();
  auto window = [&](const std::string& id) -> std::optional<int64_t> {
    auto m = model(e, id);  // named: the element below lives in its parser
    auto j = m["context_length"];
    if (j.is_null()) return std::nullopt;
    return int64_t(j);
  };
  EXPECT_EQ(window("a/zero"), 77);
  EXPECT_EQ(window("a/negative"), 4096);
  EXPECT_EQ(window("a/null"), 512);
  EXPECT_EQ(window("a/text"), 8192);
  EXPECT_EQ(window("a/meta"), 32768);
  EXPECT_EQ(window("a/first"), 100) << "the first key that says something wins";
  EXPECT_EQ(window("a/none"), std::nullopt);
  test::ModelJson offer_of_zero(*e.find("a/zero"));
  EXPECT_EQ(int64_t(offer_of_zero["offers"].at(0)["context_length"]), 77);
}

TEST(OpenAiCompatibleNormalize, WhatIsNotAModelListFailsNamingTheShapes) {
  PluginInstance p = compatible({});
  auto e = test::normalize(p, R"({"object":"list","items":[]})");
  EXPECT_EQ(e.result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_NE(e.result.message.find("the input is not a model list ({\"data\": [...]}"),
            std::string::npos)
      << e.result.message;
  std::string bytes = test::read_bytes(test::fixture("openai_compatible/deepinfra_154.json"));
  auto cut = test::normalize(p, bytes.substr(0, 4000));
  EXPECT_EQ(cut.result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_NE(cut.result.message.find("at byte "), std::string::npos) << cut.result.message;
}

TEST(OpenAiCompatibleOptions, BadOptionsAreRefusedAtCreate) {
  auto refused = [](PluginOptions options) {
    try {
      PluginInstance(load_plugin(test::built_plugin("openai_compatible")), "c", options,
                     HostContext{});
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(refused({}).find("option 'base_url' is required"), std::string::npos);
  EXPECT_NE(refused({{"base_url", "ftp://x"}}).find("base_url"), std::string::npos);
  EXPECT_NE(refused({{"base_url", "http://x"}, {"path", "v1/models"}}).find("'path'"),
            std::string::npos);
  EXPECT_NE(refused({{"base_url", "http://x"}, {"path", "/a b"}})
                .find("option 'path' must start with '/' and hold no space"),
            std::string::npos);
  EXPECT_NE(refused({{"base_url", "http://x"}, {"auth_header", "Authorization: Bearer\r\nX: y"}})
                .find("auth_header"),
            std::string::npos);
  EXPECT_NE(refused({{"base_url", "http://x"}, {"metrics_key", "Deep-Infra"}}).find("metrics_key"),
            std::string::npos);
  EXPECT_NE(refused({{"base_url", "http://x"}, {"providr", "x"}}).find("unknown option 'providr'"),
            std::string::npos);
  EXPECT_EQ(refused({{"base_url", "http://x"}, {"auth_header", "x-api-key"}}), "");
}

// Hand-made Ollama entries: parameter_size as Ollama writes it, and what it must not trust.
TEST(OpenAiCompatibleNormalize, ParameterCountsFromOllamaSizes) {
  PluginInstance p = compatible({});
  std::string list = R"({"models":[)";
  for (const char* size : {"1.5T", "8k", "0.5", "B", "1.23456789999M", "99999999999T"})
    list += std::string(list.back() == '[' ? "" : ",") + R"({"name":")" + size +
            R"(","details":{"parameter_size":")" + size + R"("}})";
  auto e = test::normalize(p, list + "]}");
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  auto count = [&](const std::string& size) {
    test::ModelJson j = model(e, size);  // owns the parse the element points into
    auto n = j["openai_compatible_metrics"]["num_parameters"];
    return n.is_null() ? std::optional<int64_t>() : std::optional<int64_t>(int64_t(n));
  };
  EXPECT_EQ(count("1.5T"), 1500000000000);
  EXPECT_EQ(count("8k"), 8000);
  EXPECT_EQ(count("0.5"), std::nullopt) << "no unit";
  EXPECT_EQ(count("B"), std::nullopt);
  EXPECT_EQ(count("1.23456789999M"), std::nullopt) << "not a whole count";
  EXPECT_EQ(count("99999999999T"), std::nullopt) << "beyond int64";
}

}  // namespace
}  // namespace gatehouse
