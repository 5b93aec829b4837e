// One model as the catalog keeps it: checked, completed, and rendered to JSON once, at
// ingest (DESIGN.md's schema). The host never passes on what it cannot vouch for.
#pragma once

#include <gatehouse/plugin.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// Why a model was dropped, e.g. "model 'x/y': metrics_json is not a JSON object".
class InvalidModel : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ModelRecord {
  std::string id;
  std::string name;
  std::string provider_slug;                // empty when null
  std::string pipeline_tag;                 // empty when none
  int64_t created = GATEHOUSE_UNKNOWN_INT;  // sort keys; GATEHOUSE_UNKNOWN_INT = unknown
  int64_t downloads = GATEHOUSE_UNKNOWN_INT;
  int64_t likes = GATEHOUSE_UNKNOWN_INT;
  std::string json;  // the model's JSON object, as every response carries it

  // ASCII-lower-cased copies for case-insensitive lookup, search and sort.
  std::string lower_id, lower_name, lower_provider;
  void index_keys();  // fills the lower_* copies from the fields above
};

using ModelRecords = std::vector<std::shared_ptr<const ModelRecord>>;

// Checks the model, fills what the plugin left absent (name, provider_slug, modality) by
// one rule for all plugins, stamps source_gateway, and renders. Throws InvalidModel.
ModelRecord make_model_record(const gatehouse_model& model, std::string_view source_gateway);

// "Llama-3.1-8B-Instruct" from "meta-llama/Llama-3.1-8B-Instruct" -> "Llama 3.1 8B Instruct":
// the id's own capitals, separators as spaces.
std::string name_from_id(std::string_view id);

}  // namespace gatehouse
