// One model as the catalog keeps it: checked, completed, and rendered to JSON once, at
// ingest (DESIGN.md's schema). The host never passes on what it cannot vouch for.
#pragma once

#include <gatehouse/plugin.h>

#include <cstdint>
#include <memory>
#include <optional>
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

// Whether a sort key or integer field holds a value (GATEHOUSE_UNKNOWN_INT is null), and
// the value as JSON writes it.
inline bool known(int64_t value) { return value != GATEHOUSE_UNKNOWN_INT; }
inline std::optional<int64_t> value_or_null(int64_t value) {
  return known(value) ? std::optional<int64_t>(value) : std::nullopt;
}

// One offer (ABI 1.1) as the catalog keeps it: where its JSON object sits in the record's
// json, and what ordering and filtering read (see offers.hpp).
struct OfferKey {
  std::string gateway;                     // the slot whose plugin made it
  std::string lower_model_id;              // the id the offer is asked for by, lower-cased
  uint32_t begin = 0, end = 0;             // its JSON object: json.substr(begin, end - begin)
  int64_t prompt = GATEHOUSE_UNKNOWN_INT;  // price units (1e-15 USD) per token
  int64_t completion = GATEHOUSE_UNKNOWN_INT;
  int64_t context = GATEHOUSE_UNKNOWN_INT;  // tokens
  bool live = true;                         // status "live", or not said
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

  // ABI 1.1: the offers, cheapest first, and the array that holds them in json ("[...]").
  std::vector<OfferKey> offers;
  uint32_t offers_begin = 0, offers_end = 0;
  // Sort and filter keys: the cheapest live offer's prompt price (price units; the model's
  // own prompt price when it has no offer) and the largest context window of the model and
  // its live offers.
  int64_t price = GATEHOUSE_UNKNOWN_INT;
  int64_t context = GATEHOUSE_UNKNOWN_INT;

  // ASCII-lower-cased copies for case-insensitive lookup, search and sort.
  std::string lower_id, lower_name, lower_provider;
  std::string lower_canonical;  // empty when there is no canonical id or it is the id
  void index_keys();            // fills lower_id, lower_name and lower_provider
  void set_canonical(std::string_view canonical_id);  // fills lower_canonical

  // What the merged view groups by: the canonical id, else the id (lower-cased).
  std::string_view group_key() const {
    return lower_canonical.empty() ? lower_id : lower_canonical;
  }
};

using ModelRecords = std::vector<std::shared_ptr<const ModelRecord>>;

// Checks the model, fills what the plugin left absent (name, provider_slug, modality) by
// one rule for all plugins, stamps source_gateway, and renders. Throws InvalidModel.
ModelRecord make_model_record(const gatehouse_model& model, std::string_view source_gateway);

// "Llama-3.1-8B-Instruct" from "meta-llama/Llama-3.1-8B-Instruct" -> "Llama 3.1 8B Instruct":
// the id's own capitals, separators as spaces.
std::string name_from_id(std::string_view id);

}  // namespace gatehouse
