#include "catalog/model_record.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

gatehouse_str str(std::string_view s) { return {s.data(), s.size()}; }

gatehouse_model blank() {
  gatehouse_model m{};
  m.struct_size = sizeof m;
  m.created = m.context_length = m.downloads = m.likes = GATEHOUSE_UNKNOWN_INT;
  return m;
}

std::string error_of(const gatehouse_model& m) {
  try {
    make_model_record(m, "hug").json;
    return "";
  } catch (const InvalidModel& e) {
    return e.what();
  }
}

TEST(ModelRecord, RendersTheDesignSchemaWithDerivedFields) {
  gatehouse_model m = blank();
  m.id = str("meta-llama/Llama-3.1-8B-Instruct");
  m.created = 1721000000;
  const gatehouse_str text[] = {str("text")}, in[] = {str("text"), str("image")};
  m.input_modalities = in;
  m.input_modality_count = 2;
  m.output_modalities = text;
  m.output_modality_count = 1;
  m.provider_site_url = str("https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct");
  m.metrics_key = str("huggingface_metrics");
  m.metrics_json = str(R"({"downloads":5953019,"gated":false})");
  EXPECT_EQ(make_model_record(m, "hug").json,
            R"({"id":"meta-llama/Llama-3.1-8B-Instruct","name":"Llama 3.1 8B Instruct",)"
            R"("description":null,"created":1721000000,"context_length":null,)"
            R"("provider_slug":"meta-llama",)"
            R"("provider_site_url":"https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct",)"
            R"("source_gateway":"hug","canonical_id":null,)"
            R"("architecture":{"modality":"text+image->text",)"
            R"("input_modalities":["text","image"],"output_modalities":["text"]},)"
            R"("pricing":{"prompt":null,"completion":null},"offers":[],)"
            R"("huggingface_metrics":{"downloads":5953019,"gated":false}})");
}

TEST(ModelRecord, PluginValuesWinOverDerivedOnes) {
  gatehouse_model m = blank();
  m.id = str("x/y");
  m.name = str("Why");
  m.provider_slug = str("xai");
  m.pricing_prompt = str("0.000001");
  std::string json = make_model_record(m, "portkey").json;
  EXPECT_NE(json.find(R"("name":"Why")"), std::string::npos);
  EXPECT_NE(json.find(R"("provider_slug":"xai")"), std::string::npos);
  EXPECT_NE(json.find(R"("prompt":"0.000001")"), std::string::npos);
  EXPECT_NE(json.find(R"("modality":null,"input_modalities":[],"output_modalities":[])"),
            std::string::npos);
}

TEST(ModelRecord, IdWithoutOwnerHasNullProviderSlug) {
  gatehouse_model m = blank();
  m.id = str("gpt2");
  EXPECT_NE(make_model_record(m, "hug").json.find(R"("name":"gpt2","description":null)"),
            std::string::npos);
  EXPECT_NE(make_model_record(m, "hug").json.find(R"("provider_slug":null)"), std::string::npos);
}

TEST(ModelRecord, EscapesStringsAndKeepsNonAscii) {
  gatehouse_model m = blank();
  m.id = str("a/b");
  m.description = str("say \"hi\"\\\n\x01 古文 Pixart-α ÚFAL");
  EXPECT_NE(make_model_record(m, "hug").json.find(
                R"("description":"say \"hi\"\\\n\u0001 古文 Pixart-α ÚFAL")"),
            std::string::npos);
}

TEST(ModelRecord, RejectsWhatItCannotVouchFor) {
  gatehouse_model m = blank();
  EXPECT_EQ(error_of(m), "model '': id is missing or empty");
  m.id = str("a/b");
  m.name = str("bad \xff byte");
  EXPECT_EQ(error_of(m), "model 'a/b': name is not valid UTF-8");
  m.name = {};
  m.metrics_key = str("huggingface_metrics");
  m.metrics_json = str("[1,2]");
  EXPECT_EQ(error_of(m), "model 'a/b': huggingface_metrics is not a JSON object");
  m.metrics_json = str("{\"a\":");
  EXPECT_EQ(error_of(m), "model 'a/b': huggingface_metrics is not a JSON object");
  m.metrics_key = str("id");
  m.metrics_json = str("{}");
  EXPECT_EQ(error_of(m),
            "model 'a/b': metrics_key must be lower-case letters and '_', end in '_metrics', at "
            "most 64 bytes");
  m.metrics_key = {};
  const gatehouse_str empty[] = {str("")};
  m.input_modalities = empty;
  m.input_modality_count = 1;
  EXPECT_EQ(error_of(m), "model 'a/b': input_modalities holds an empty string");
  m.input_modality_count = 0;
  m.pricing_prompt = str("1e-7");
  EXPECT_EQ(error_of(m),
            "model 'a/b': pricing_prompt is not decimal text in USD per token (like "
            "\"0.0000026\"): '1e-7'");
  m.pricing_prompt = str("0.0000001");
  m.pricing_completion = str("-1");
  EXPECT_NE(error_of(m).find("pricing_completion is not decimal text"), std::string::npos);
  m.pricing_completion = str("");
  EXPECT_NE(error_of(m).find("pricing_completion is not decimal text"), std::string::npos);
  m.pricing_completion = {};
  m.struct_size = 16;
  EXPECT_NE(error_of(m).find("gatehouse_model of 16 bytes"), std::string::npos);
}

TEST(ModelRecord, KeepsTheSortAndFilterKeys) {
  gatehouse_model m = blank();
  m.id = str("Meta-Llama/Llama-3.1-8B");
  m.downloads = 42;
  m.created = 7;
  m.pipeline_tag = str("text-generation");
  ModelRecord r = make_model_record(m, "hug");
  EXPECT_EQ(r.id, "Meta-Llama/Llama-3.1-8B");
  EXPECT_EQ(r.lower_id, "meta-llama/llama-3.1-8b");
  EXPECT_EQ(r.name, "Llama 3.1 8B");
  EXPECT_EQ(r.lower_name, "llama 3.1 8b");
  EXPECT_EQ(r.provider_slug, "Meta-Llama");
  EXPECT_EQ(r.lower_provider, "meta-llama");
  EXPECT_EQ(r.pipeline_tag, "text-generation");
  EXPECT_EQ(r.downloads, 42);
  EXPECT_EQ(r.likes, GATEHOUSE_UNKNOWN_INT);
  EXPECT_EQ(r.created, 7);
}

TEST(ModelRecord, NameFromIdKeepsTheIdsCapitals) {
  EXPECT_EQ(name_from_id("Qwen/Qwen2.5-VL-7B-Instruct"), "Qwen2.5 VL 7B Instruct");
  EXPECT_EQ(name_from_id("sentence-transformers/all-MiniLM-L6-v2"), "all MiniLM L6 v2");
  EXPECT_EQ(name_from_id("gpt2"), "gpt2");
  EXPECT_EQ(name_from_id("a/b__c--"), "b c");
  EXPECT_EQ(name_from_id("a/--"), "a/--");
}

}  // namespace
}  // namespace gatehouse
