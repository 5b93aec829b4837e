// The Portkey plugin: normalization of the real recording, the legacy name patterns, and
// fetch against a fake Portkey on 127.0.0.1.
#include "app/config.hpp"
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/plugin_run.hpp"
#include "harness/scoped_env.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"
#include "plugin_host/http_client.hpp"
#include "support/clock.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <sstream>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::CannedReply;
using test::FakeUpstream;
using test::ScopedEnv;
using test::SeenRequest;

std::string recording() { return test::read_bytes(test::fixture("portkey/models.json")); }

PluginInstance portkey(PluginOptions options = {}, const HttpClient* http = nullptr) {
  return PluginInstance(load_plugin(test::built_plugin("portkey")), "portkey", options,
                        HostContext{http});
}

std::vector<std::string> ids_of(const test::Emitted& e) {
  std::vector<std::string> out;
  for (const auto& m : e.models) out.push_back(m.id);
  return out;
}

TEST(PortkeyNormalize, OneModelPerIdFromTheWholeRecordingWithItsByteOrderMark) {
  std::string bytes = recording();
  ASSERT_EQ(bytes.substr(0, 3), "\xEF\xBB\xBF");
  PluginInstance p = portkey();
  auto e = test::normalize(p, bytes);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  EXPECT_TRUE(e.invalid.empty());
  EXPECT_EQ(e.models.size(), 203u) << "215 entries, 203 distinct lower-cased ids";
  std::set<std::string> lower;
  for (const auto& m : e.models) lower.insert(m.lower_id);
  EXPECT_EQ(lower.size(), 203u);
  EXPECT_EQ(e.models.front().id, "zai-org/GLM-4.5-Air");
  // Without the mark it reads the same.
  EXPECT_EQ(test::normalize(p, bytes.substr(3)).models.size(), 203u);
}

TEST(PortkeyNormalize, AModelOfferedBySeveralProvidersListsThemAll) {
  PluginInstance p = portkey();
  auto e = test::normalize(p, recording());
  const ModelRecord* llava = e.find("llava-hf/llava-1.5-7b-hf");
  ASSERT_NE(llava, nullptr);
  test::ModelJson j(*llava);
  EXPECT_EQ(std::string_view(j["portkey_metrics"]["providers"].at(0)), "nebius");
  EXPECT_EQ(std::string_view(j["portkey_metrics"]["providers"].at(1)), "deepinfra");
  EXPECT_EQ(std::string_view(j["portkey_metrics"]["portkey_ids"].at(1)),
            "@deepinfra/llava-hf/llava-1.5-7b-hf");
  EXPECT_EQ(std::string_view(j["provider_slug"]), "llava-hf");
  EXPECT_EQ(std::string_view(j["name"]), "llava 1.5 7b hf");
  EXPECT_EQ(std::string_view(j["architecture"]["modality"]), "text->text");
  EXPECT_TRUE(j["pricing"]["prompt"].is_null());
  EXPECT_TRUE(j["context_length"].is_null());
}

TEST(PortkeyNormalize, AnIdWithoutOwnerTakesThePortkeyProvider) {
  PluginInstance p = portkey();
  auto e = test::normalize(p, recording());
  const ModelRecord* grok = e.find("grok-code-fast-1");
  ASSERT_NE(grok, nullptr);
  EXPECT_EQ(grok->provider_slug, "xai");
}

TEST(PortkeyNormalize, TheLegacyHugPatternsYieldTheTwoLlavaModels) {
  PluginInstance p = portkey({{"patterns", "llava-hf,hugging,hf/"}});
  auto e = test::normalize(p, recording());
  EXPECT_EQ(ids_of(e),
            (std::vector<std::string>{"llava-hf/llava-1.5-7b-hf", "llava-hf/llava-1.5-13b-hf"}));
  PluginInstance upper = portkey({{"patterns", "LLAVA-HF"}});
  EXPECT_EQ(test::normalize(upper, recording()).models.size(), 2u);
}

// The rollback block config.toml ships, commented out, is a config that gives the legacy hug.
TEST(PortkeyNormalize, TheShippedRollbackBlockGivesTheLegacyHug) {
  std::string shipped =
      test::read_bytes(std::filesystem::path(GATEHOUSE_TEST_DATA_DIR) / "../../config.toml");
  std::string block;
  std::istringstream lines(
      shipped.substr(shipped.find("# [[gateways]]", shipped.find("# Rollback:"))));
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("# ", 0) == 0 || line == "#")
      block += line.substr(std::min<size_t>(2, line.size())) + "\n";
  Config rollback = parse_config(block, "config.toml");
  ASSERT_EQ(rollback.gateways.size(), 1u);
  const GatewayConfig& hug = rollback.gateways[0];
  EXPECT_EQ(hug.name, "hug");
  EXPECT_EQ(hug.plugin, "portkey");
  PluginOptions options;
  for (const auto& [k, v] : hug.options)
    if (k == "patterns") options.emplace_back(k, v);
  PluginInstance p = portkey(options);
  EXPECT_EQ(ids_of(test::normalize(p, recording())),
            (std::vector<std::string>{"llava-hf/llava-1.5-7b-hf", "llava-hf/llava-1.5-13b-hf"}));
}

TEST(PortkeyNormalize, ModalitiesFromTheUpstreamWhenItGivesThem) {
  PluginInstance p = portkey();
  auto e = test::normalize(p, R"({"object":"list","data":[{"id":"@x/a/b","architecture":
      {"input_modalities":["text","image"],"output_modalities":["text"]}}]})");
  ASSERT_EQ(e.models.size(), 1u);
  EXPECT_NE(e.models[0].json.find(R"("modality":"text+image->text")"), std::string::npos);
}

TEST(PortkeyNormalize, WhatIsNotAModelListFailsWithTheOffset) {
  PluginInstance p = portkey();
  auto e = test::normalize(p, recording().substr(0, 5000));
  EXPECT_EQ(e.result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_NE(e.result.message.find("the input is not a Portkey model list at byte "),
            std::string::npos)
      << e.result.message;
  EXPECT_EQ(test::normalize(p, "[1,2]").result.status, GATEHOUSE_ERR_PARSE);
}

// Found by fuzz_portkey_normalize: after simdjson reported the broken bytes the normalizer
// read on, and simdjson dereferenced a null parser (UBSan). Broken bytes are a PARSE error.
TEST(PortkeyNormalize, BytesThatBreakMidDocumentAreAParseErrorNotACrash) {
  PluginInstance p = portkey();
  auto e = test::normalize(p, test::read_bytes(test::test_data("portkey_spliced.json")));
  EXPECT_EQ(e.result.status, GATEHOUSE_ERR_PARSE) << e.result.message;
  EXPECT_NE(e.result.message.find("the input is not a Portkey model list at byte "),
            std::string::npos)
      << e.result.message;
}

TEST(PortkeyFetch, AMissingKeyIsAClearErrorNamingTheVariable) {
  FakeUpstream fake([](const SeenRequest&) { return CannedReply{}; });
  HttpClient http;
  ScopedEnv key("MY_PORTKEY_KEY", nullptr);
  PluginInstance p = portkey({{"base_url", fake.url()}, {"api_key_env", "MY_PORTKEY_KEY"}}, &http);
  auto e = test::fetch(p);
  EXPECT_EQ(e.result.status, GATEHOUSE_ERR_CONFIG);
  EXPECT_NE(e.result.message.find("environment variable MY_PORTKEY_KEY is not set"),
            std::string::npos);
  EXPECT_TRUE(fake.requests().empty());
}

// Key sent, 401 and 429: gateway_fetch_test.cpp, for every keyed gateway plugin.

}  // namespace
}  // namespace gatehouse
