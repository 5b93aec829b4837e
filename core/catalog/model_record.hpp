// One model as the catalog keeps it: checked, completed, and rendered to JSON once, at
// ingest (DESIGN.md's schema). The host never passes on what it cannot vouch for.
#pragma once

#include <gatehouse/plugin.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
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

// A merged entry's values from its records other than the first, which q, provider and
// pipeline_tag match as they match the entry's own: each once, none the entry's own.
struct GroupedKeys {
  std::vector<std::string> texts;      // lower-cased ids, names and canonical ids
  std::vector<std::string> providers;  // lower-cased
  std::vector<std::string> pipeline_tags;
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
  // The model's own prompt price and context length, as its record lists them: what a merged
  // entry's keys take from it besides its offers.
  int64_t own_price = GATEHOUSE_UNKNOWN_INT;
  int64_t own_context = GATEHOUSE_UNKNOWN_INT;

  // ASCII-lower-cased copies for case-insensitive lookup, search and sort.
  std::string lower_id, lower_name, lower_provider;
  std::string lower_canonical;  // empty when there is no canonical id or it is the id
  void index_keys();            // fills lower_id, lower_name and lower_provider
  void set_canonical(std::string_view canonical_id);  // fills lower_canonical

  // What the merged view groups by: the canonical id, else the id (lower-cased).
  std::string_view group_key() const {
    return lower_canonical.empty() ? lower_id : lower_canonical;
  }

  // Null but in a merged entry of several records. Shared: entries are copied as they merge.
  std::shared_ptr<const GroupedKeys> grouped;
};

// The texts q is searched in (lower-cased): the id, the name, the canonical id, and a merged
// entry's other records' ones. fn(std::string_view) is called for each.
template <class Fn>
void each_search_text(const ModelRecord& m, Fn&& fn) {
  fn(std::string_view(m.lower_id));
  fn(std::string_view(m.lower_name));
  if (!m.lower_canonical.empty()) fn(std::string_view(m.lower_canonical));
  if (m.grouped)
    for (const std::string& text : m.grouped->texts) fn(std::string_view(text));
}

// The lower-cased providers (the pipeline tags) provider= (pipeline_tag=) matches, each once.
template <class Fn>
void each_provider(const ModelRecord& m, Fn&& fn) {
  fn(std::string_view(m.lower_provider));
  if (m.grouped)
    for (const std::string& provider : m.grouped->providers) fn(std::string_view(provider));
}
template <class Fn>
void each_pipeline_tag(const ModelRecord& m, Fn&& fn) {
  fn(std::string_view(m.pipeline_tag));
  if (m.grouped)
    for (const std::string& tag : m.grouped->pipeline_tags) fn(std::string_view(tag));
}

// Whether q (lower-cased, not empty) is in one of the model's search texts; whether one of
// its providers or pipeline tags is `value`. Read from the record alone.
bool search_matches(const ModelRecord& m, std::string_view lower_q);
bool has_provider(const ModelRecord& m, std::string_view lower_provider);
bool has_pipeline_tag(const ModelRecord& m, std::string_view tag);

// The grouped keys of a merged entry of `records` (the first is the entry's own).
std::shared_ptr<const GroupedKeys> grouped_keys(
    std::span<const std::shared_ptr<const ModelRecord>> records);

using ModelRecords = std::vector<std::shared_ptr<const ModelRecord>>;

// Checks the model, fills what the plugin left absent (name, provider_slug, modality) by
// one rule for all plugins, stamps source_gateway, and renders. Throws InvalidModel.
ModelRecord make_model_record(const gatehouse_model& model, std::string_view source_gateway);

// "Llama-3.1-8B-Instruct" from "meta-llama/Llama-3.1-8B-Instruct" -> "Llama 3.1 8B Instruct":
// the id's own capitals, separators as spaces.
std::string name_from_id(std::string_view id);

}  // namespace gatehouse
