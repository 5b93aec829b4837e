// Any OpenAI-style model list into catalog models, recognizing without configuration the
// shapes gateways and local servers send:
//   {"data": [...]} (OpenAI, DeepInfra, Groq, vLLM, LM Studio, LiteLLM), a bare array
//   (Together), {"models": [...]} (Ollama's /api/tags);
//   the window as context_length | context_window (Groq) | max_model_len (vLLM) |
//   max_context_length (Mistral) | metadata.context_length (DeepInfra);
//   prices per token (pricing.prompt/completion, OpenRouter style) or per 1M tokens
//   (pricing.input/output as Together sends, metadata.pricing.input_tokens/output_tokens
//   as DeepInfra sends), always handed on as decimal text in USD per token.
// Every other field of an entry is kept, minified, in the metrics object.
#pragma once

#include <gatehouse/json_reader.hpp>
#include <gatehouse/json_writer.hpp>
#include <gatehouse/plugin.hpp>

#include <simdjson.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::openai_compatible {

class ModelListNormalizer {
 public:
  struct Settings {
    std::string provider;     // provider_slug of ids without an owner part ("" = owned_by)
    std::string metrics_key;  // where the extra fields go, e.g. "deepinfra_metrics"
    std::string offered_by = "openai_compatible";  // the provider of each model's one offer
    bool hub_ids = true;  // an "owner/name" id names a Hub repo: it is the canonical id
  };
  explicit ModelListNormalizer(Settings settings);

  using OnModel = std::function<void(const gatehouse::Model&)>;

  // `where` names the source in errors. Throws gatehouse::Error(PARSE) with the byte offset
  // when the bytes are not a model list. Returns the models emitted.
  size_t normalize(std::string_view bytes, std::string_view where, const OnModel& on_model);

 private:
  struct Entry;
  size_t read_entries(simdjson::ondemand::array list, const OnModel& on_model);
  void read_entry(simdjson::ondemand::object entry, Entry& e);
  void read_details(simdjson::ondemand::value details, Entry& e);
  void read_metadata(simdjson::ondemand::value metadata, Entry& e);
  void read_pricing(simdjson::ondemand::value pricing, bool per_million, Entry& e);
  void keep_text(std::string_view key, std::string_view json);
  std::optional<std::string> valid_json(std::string_view json);
  void emit(Entry& e, const OnModel& on_model);
  gatehouse::json::ObjectWriter& write(std::string_view key);  // notes the key as written

  Settings settings_;
  gatehouse::JsonReader reader_;
  // Reused per entry, so normalizing allocates little.
  gatehouse::json::ObjectWriter metrics_, prices_, other_prices_;
  std::vector<std::pair<std::string, std::string>> kept_;  // key, minified JSON
  std::vector<std::string> written_;                       // keys of metrics_ so far
  std::string minified_;
  simdjson::dom::parser validator_;
};

// "14.8B" (Ollama's parameter_size) -> 14800000000; also K, M and T; nullopt otherwise.
std::optional<int64_t> parameter_count(std::string_view size);

}  // namespace gatehouse::openai_compatible
