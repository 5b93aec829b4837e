// The Hugging Face plugin's normalize on real recordings of the Hub API.
#include "harness/plugin_run.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

using test::built_plugin;
using test::fixture;
using test::ModelJson;
using test::read_bytes;

class HuggingFaceNormalize : public ::testing::Test {
 protected:
  HuggingFaceNormalize() : plugin_(load_plugin(built_plugin("huggingface")), "hug", {}) {}
  test::Emitted run(const std::string& bytes) { return test::normalize(plugin_, bytes); }
  test::Emitted run_file(const std::string& name) { return run(read_bytes(fixture(name))); }
  PluginInstance plugin_;
};

TEST_F(HuggingFaceNormalize, EveryModelOfTheBigListAndNoneInvalid) {
  auto e = run_file("huggingface/list_2817.json");
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  EXPECT_EQ(e.models.size(), 2817u);
  EXPECT_TRUE(e.invalid.empty()) << e.invalid.front();
}

TEST_F(HuggingFaceNormalize, ModelsWithoutPipelineTagAreKept) {
  auto e = run_file("huggingface/list_50.json");
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  ASSERT_EQ(e.models.size(), 50u);
  size_t without_tag = 0;
  for (const auto& m : e.models) {
    if (!m.pipeline_tag.empty()) continue;
    ++without_tag;
    ModelJson j(m);
    EXPECT_TRUE(j["architecture"]["modality"].is_null()) << m.id;
    EXPECT_TRUE(j.metrics("pipeline_tag").is_null());
  }
  EXPECT_EQ(without_tag, 4u);
}

TEST_F(HuggingFaceNormalize, AListRecordBecomesTheCatalogModel) {
  auto e = run_file("huggingface/list_50.json");
  const ModelRecord* m = e.find("Qwen/QwQ-32B-Preview");
  ASSERT_NE(m, nullptr);
  ModelJson j(*m);
  EXPECT_EQ(std::string_view(j["name"]), "QwQ 32B Preview");
  EXPECT_EQ(int64_t(j["created"]), 1732722655);  // createdAt 2024-11-27T15:50:55.000Z
  EXPECT_EQ(std::string_view(j["provider_slug"]), "Qwen");
  EXPECT_EQ(std::string_view(j["provider_site_url"]),
            "https://huggingface.co/Qwen/QwQ-32B-Preview");
  EXPECT_EQ(std::string_view(j["architecture"]["modality"]), "text->text");
  EXPECT_EQ(std::string_view(j.metrics("pipeline_tag")), "text-generation");
  EXPECT_EQ(std::string_view(j.metrics("library_name")), "transformers");
  EXPECT_EQ(m->pipeline_tag, "text-generation");
  EXPECT_GT(m->downloads, 0);
  EXPECT_GT(m->likes, 0);
  EXPECT_EQ(m->downloads, int64_t(j.metrics("downloads")));
}

TEST_F(HuggingFaceNormalize, GatedManualWithSafetensorsParameters) {
  auto e = run_file("huggingface/model_info_x50.json");
  ASSERT_EQ(e.models.size(), 50u);
  ModelJson llama(*e.find("meta-llama/Llama-3.1-8B-Instruct"));
  EXPECT_TRUE(bool(llama.metrics("gated")));
  EXPECT_EQ(std::string_view(llama.metrics("gate_mode")), "manual");
  EXPECT_EQ(int64_t(llama.metrics("num_parameters")), 8030261248);
  EXPECT_EQ(std::string_view(llama.metrics("author")), "meta-llama");
  EXPECT_FALSE(bool(llama.metrics("private")));
  EXPECT_EQ(std::string_view(llama.metrics("last_modified")).substr(0, 4), "2024");
  ModelJson flux(*e.find("black-forest-labs/FLUX.1-dev"));
  EXPECT_EQ(std::string_view(flux.metrics("gate_mode")), "auto");
  EXPECT_EQ(std::string_view(flux["architecture"]["modality"]), "text->image");
  ModelJson qwen(*e.find("Qwen/QwQ-32B-Preview"));
  EXPECT_FALSE(bool(qwen.metrics("gated")));
  EXPECT_TRUE(qwen.metrics("gate_mode").is_null());
}

TEST_F(HuggingFaceNormalize, GgufTotalWhenThereIsNoSafetensors) {
  auto e = run_file("huggingface/model_info_x50.json");
  ModelJson gguf(*e.find("bartowski/QwQ-32B-Preview-GGUF"));
  EXPECT_EQ(int64_t(gguf.metrics("num_parameters")), 32763876352);
}

TEST_F(HuggingFaceNormalize, NonAsciiTagsSurviveIntact) {
  auto e = run_file("huggingface/list_2817.json");
  const ModelRecord* m = e.find("ufal/robeczech-base");
  ASSERT_NE(m, nullptr);
  EXPECT_NE(m->json.find("\"ÚFAL\""), std::string::npos);
}

TEST_F(HuggingFaceNormalize, InferenceProvidersWithTheirStatus) {
  auto e = run_file(
      "huggingface/cassettes/"
      "meta-llama_Llama-3.1-8B-Instruct_expand_inferenceProviderMapping__20250312T153837.json");
  ASSERT_EQ(e.models.size(), 1u);
  EXPECT_NE(e.models[0].json.find(
                R"("inference_providers":[{"provider":"fireworks-ai","status":"live"},)"),
            std::string::npos)
      << e.models[0].json;
  EXPECT_NE(e.models[0].json.find(R"({"provider":"hyperbolic","status":"staging"}])"),
            std::string::npos);
  // The newer list form gives the same.
  auto list = run(
      R"({"id":"a/b","inferenceProviderMapping":[{"provider":"together","status":"live","task":"x"}]})");
  EXPECT_NE(list.models.at(0).json.find(
                R"("inference_providers":[{"provider":"together","status":"live"}])"),
            std::string::npos);
}

TEST_F(HuggingFaceNormalize, AnIdWithoutOwnerTakesTheAuthor) {
  auto e = run_file("huggingface/cassettes/gpt2__20250321T134713.json");
  ASSERT_EQ(e.models.size(), 1u);
  EXPECT_EQ(e.models[0].provider_slug, "openai-community");
  EXPECT_EQ(e.models[0].name, "gpt2");
}

TEST_F(HuggingFaceNormalize, SurprisingTypesNeverDropAModel) {
  auto e = run(R"([
    {"id": "a/strings", "downloads": "12", "likes": null, "gated": true, "tags": "x",
     "pipeline_tag": 5, "private": "no", "createdAt": "yesterday", "safetensors": [1]},
    {"modelId": "b/only-model-id", "downloads": 1.0e3, "likes": 2.5},
    {"id": "c/empty"},
    {"no_id": true}, 42, null
  ])");
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  ASSERT_EQ(e.models.size(), 3u);
  EXPECT_TRUE(e.invalid.empty());
  EXPECT_EQ(e.models[0].downloads, GATEHOUSE_UNKNOWN_INT);
  EXPECT_EQ(e.models[0].created, GATEHOUSE_UNKNOWN_INT);
  ModelJson strings(e.models[0]);
  EXPECT_TRUE(bool(strings.metrics("gated")));
  EXPECT_TRUE(strings.metrics("private").is_null());
  EXPECT_EQ(e.models[1].id, "b/only-model-id");
  EXPECT_EQ(e.models[1].downloads, 1000);
  EXPECT_EQ(e.models[2].name, "empty");
}

TEST_F(HuggingFaceNormalize, MalformedBytesFailWithTheByteOffset) {
  std::string bytes = read_bytes(fixture("huggingface/list_50.json"));
  auto e = run(bytes.substr(0, 20000));
  EXPECT_EQ(e.result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_NE(e.result.message.find("the input is not valid JSON at byte "), std::string::npos)
      << e.result.message;
  auto scalar = run("\"just a string\"");
  EXPECT_EQ(scalar.result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_EQ(scalar.result.message, "the input is not a model or an array of models");
}

}  // namespace
}  // namespace gatehouse
