#include "catalog/model_record.hpp"

#include "catalog/offers.hpp"
#include "support/json_writer.hpp"
#include "support/utf8.hpp"

#include <simdjson.h>
#include <gatehouse/offer_status.hpp>
#include <gatehouse/price.hpp>
#include <gatehouse/text.hpp>

#include <algorithm>
#include <cstddef>
#include <span>
#include <unordered_set>

namespace gatehouse {
namespace {

constexpr size_t model_v1_0_size = offsetof(gatehouse_model, metrics_json) + sizeof(gatehouse_str);
constexpr size_t model_v1_1_size = offsetof(gatehouse_model, offer_stride) + sizeof(size_t);
constexpr size_t offer_v1_1_size = offsetof(gatehouse_offer, status) + sizeof(gatehouse_str);
constexpr size_t max_offer_stride = 4096;

std::string_view view(gatehouse_str s) { return {s.data, s.data ? s.size : 0}; }
// The SDK's convention: a view with null data is absent (JSON null).
std::string_view view_or_absent(gatehouse_str s) { return s.data ? view(s) : std::string_view(); }

class Renderer {
 public:
  Renderer(const gatehouse_model& model, std::string& out) : model_(model), json_(out) {}

  [[noreturn]] void invalid(std::string_view why) const {
    std::string id(view(model_.id).substr(0, 200));
    throw InvalidModel("model '" + (is_valid_utf8(id) ? id : "<invalid UTF-8>") +
                       "': " + std::string(why));
  }

  // One member whose text comes from the plugin: bytes that are not UTF-8 drop the model.
  // `field` names it in that reason; `key`, when given, is its JSON name.
  void text(std::string_view field, std::string_view value, std::string_view key = {}) {
    json_.key(key.empty() ? field : key);
    try {
      json_.string_or_null(value);
    } catch (const InvalidUtf8&) {
      invalid(std::string(field) + " is not valid UTF-8");
    }
  }

  void integer(std::string_view field, int64_t value) {
    json_.key(field).integer_or_null(value_or_null(value));
  }

  void texts(std::string_view field, std::span<const gatehouse_str> items) {
    json_.key(field).begin_array();
    for (gatehouse_str item : items) {
      if (view(item).empty()) invalid(std::string(field) + " holds an empty string");
      try {
        json_.string(view(item));
      } catch (const InvalidUtf8&) {
        invalid(std::string(field) + " is not valid UTF-8");
      }
    }
    json_.end_array();
  }

  void architecture() {
    std::span<const gatehouse_str> inputs(model_.input_modalities, model_.input_modality_count);
    std::span<const gatehouse_str> outputs(model_.output_modalities, model_.output_modality_count);
    json_.key("architecture").begin_object();
    std::string modality;  // one rule for all plugins: inputs "+" joined, "->", outputs
    if (!inputs.empty() && !outputs.empty()) {
      join(inputs, modality);
      modality.append("->");
      join(outputs, modality);
    }
    text("modality", modality.empty() ? std::string_view() : std::string_view(modality));
    texts("input_modalities", inputs);
    texts("output_modalities", outputs);
    json_.end_object();
  }

  // Returns the prompt price in price units.
  int64_t pricing() {
    json_.key("pricing").begin_object();
    int64_t prompt = price("prompt", model_.pricing_prompt);
    price("completion", model_.pricing_completion);
    json_.end_object();
    return prompt;
  }

  // Every price a client reads is USD per token as decimal text, or null: one plugin's
  // "1e-7" or "$0.10" must not reach a client that sorts offers by price. Returns it in
  // price units.
  int64_t price(std::string_view field, gatehouse_str value, std::string_view where = "") {
    std::optional<int64_t> units =
        value.data ? price_units(view(value)) : std::optional<int64_t>(GATEHOUSE_UNKNOWN_INT);
    if (!units)
      invalid(std::string(where) + "pricing_" + std::string(field) +
              " is not decimal text in USD per token (like \"0.0000026\"): '" +
              to_valid_utf8(one_line_prefix(view(value), 40)) + "'");
    text(field, view_or_absent(value));
    return *units;
  }

  // ABI 1.1's fields, when the plugin's struct has them: renders "offers" and keeps each
  // offer's place and keys in the record, cheapest first.
  void offers(std::string_view gateway, ModelRecord& record) {
    json_.key("offers");
    record.offers_begin = static_cast<uint32_t>(record.json.size());
    record.json.push_back('[');
    std::vector<std::pair<OfferKey, std::string>> rendered;
    for (size_t i = 0; i < offer_count(); ++i) rendered.push_back(offer(i, gateway));
    std::stable_sort(rendered.begin(), rendered.end(),
                     [](const auto& a, const auto& b) { return cheaper(a.first, b.first); });
    for (auto& [key, json] : rendered) {
      if (record.json.back() != '[') record.json.push_back(',');
      key.begin = static_cast<uint32_t>(record.json.size());
      record.json.append(json);
      key.end = static_cast<uint32_t>(record.json.size());
      record.offers.push_back(std::move(key));
    }
    record.json.push_back(']');
    record.offers_end = static_cast<uint32_t>(record.json.size());
  }

  size_t offer_count() const {
    if (model_.struct_size < model_v1_1_size || model_.offer_count == 0) return 0;
    if (model_.offer_count > max_offers)
      invalid("more than " + std::to_string(max_offers) + " offers");
    if (!model_.offers || model_.offer_stride < offer_v1_1_size ||
        model_.offer_stride > max_offer_stride ||
        model_.offer_stride % alignof(gatehouse_offer) != 0)
      invalid(
          "offers is NULL, or offer_stride is not a size of gatehouse_offer (at least ABI "
          "1.1's, a multiple of its alignment, at most 4096)");
    return model_.offer_count;
  }

  std::pair<OfferKey, std::string> offer(size_t i, std::string_view gateway) {
    const auto& o = *reinterpret_cast<const gatehouse_offer*>(
        reinterpret_cast<const char*>(model_.offers) + i * model_.offer_stride);
    std::string where = "offers[" + std::to_string(i) + "].";
    if (o.struct_size < offer_v1_1_size || o.struct_size > model_.offer_stride)
      invalid(where + "struct_size is not between ABI 1.1's size and offer_stride");
    if (view(o.provider).empty() || view(o.model_id).empty())
      invalid(where + "provider and model_id are required");
    std::pair<OfferKey, std::string> out;
    OfferKey& key = out.first;
    key.gateway = gateway;
    key.lower_model_id = ascii_lower(view(o.model_id));
    key.context = o.context_length;
    key.live = offer_is_live(view_or_absent(o.status));
    Renderer r(model_, out.second);
    r.json().begin_object();
    r.text("gateway", gateway);
    r.text(where + "provider", view(o.provider), "provider");
    r.text(where + "model_id", view(o.model_id), "model_id");
    r.json().key("pricing").begin_object();
    key.prompt = r.price("prompt", o.pricing_prompt, where);
    key.completion = r.price("completion", o.pricing_completion, where);
    r.json().end_object();
    r.integer("context_length", o.context_length);
    r.integer("max_output_tokens", o.max_output_tokens);
    r.text(where + "status", view_or_absent(o.status), "status");
    r.json().end_object();
    return out;
  }

  void metrics() {
    if (!model_.metrics_key.data) return;
    std::string_view name = view(model_.metrics_key);
    bool identifier = !name.empty() && name.size() <= 64;
    for (char c : name) identifier = identifier && ((c >= 'a' && c <= 'z') || c == '_');
    if (!identifier || !name.ends_with("_metrics"))
      invalid(
          "metrics_key must be lower-case letters and '_', end in '_metrics', at most 64 bytes");
    static thread_local simdjson::dom::parser parser;
    simdjson::dom::element parsed;
    std::string_view json = view(model_.metrics_json);
    if (parser.parse(json.data(), json.size()).get(parsed) != simdjson::SUCCESS ||
        !parsed.is_object())
      invalid(std::string(name) + " is not a JSON object");
    json_.key(name).raw(json);
  }

  JsonWriter& json() { return json_; }

 private:
  static void join(std::span<const gatehouse_str> items, std::string& into) {
    for (size_t i = 0; i < items.size(); ++i) into.append(i ? "+" : "").append(view(items[i]));
  }

  const gatehouse_model& model_;
  JsonWriter json_;
};

}  // namespace

std::string name_from_id(std::string_view id) {
  std::string_view last = id.substr(id.rfind('/') + 1);
  std::string name;
  for (char c : last) {
    bool separator = c == '-' || c == '_' || c == ' ';
    if (!separator)
      name.push_back(c);
    else if (!name.empty() && name.back() != ' ')
      name.push_back(' ');
  }
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return name.empty() ? std::string(id) : name;
}

ModelRecord make_model_record(const gatehouse_model& model, std::string_view source_gateway) {
  ModelRecord record;
  Renderer r(model, record.json);
  if (model.struct_size < model_v1_0_size)
    r.invalid("gatehouse_model of " + std::to_string(model.struct_size) + " bytes, ABI 1.0 needs " +
              std::to_string(model_v1_0_size));
  // The metrics are most of a record; the rest is a few hundred bytes.
  record.json.reserve(512 + view(model.metrics_json).size());
  std::string_view id = view(model.id);
  if (id.empty()) r.invalid("id is missing or empty");
  record.id = id;
  record.name = model.name.data ? std::string(view(model.name)) : name_from_id(id);
  size_t slash = id.find('/');
  std::string_view owner = slash == std::string_view::npos || slash == 0
                               ? std::string_view()  // "/x" has no owner: null, not ""
                               : id.substr(0, slash);
  std::string_view provider = model.provider_slug.data ? view(model.provider_slug) : owner;
  record.provider_slug = provider;

  // "" is not an id of anything: the same as absent. Anything else must be a Hub repo id
  // (or the model's own id, as "gpt2" is): canonical ids join records of every gateway.
  std::string_view canonical =
      model.struct_size >= model_v1_1_size && !view(model.canonical_id).empty()
          ? view(model.canonical_id)
          : std::string_view();
  if (!canonical.empty() && !is_hub_repo_id(canonical) && !iequals(canonical, id))
    r.invalid("canonical_id is not a Hugging Face repo id (owner/name): '" +
              to_valid_utf8(one_line_prefix(canonical, 80)) + "'");

  r.json().begin_object();
  r.text("id", id);
  r.text("name", record.name);
  r.text("description", view_or_absent(model.description));
  r.integer("created", model.created);
  r.integer("context_length", model.context_length);
  r.text("provider_slug", provider);
  r.text("provider_site_url", view_or_absent(model.provider_site_url));
  r.text("source_gateway", source_gateway);
  r.text("canonical_id", canonical);
  r.architecture();
  int64_t own_prompt = r.pricing();
  r.offers(source_gateway, record);
  r.metrics();
  r.json().end_object();
  record.json.shrink_to_fit();  // kept for the catalog's life: not the room reserved above

  record.pipeline_tag = view(model.pipeline_tag);
  if (!is_valid_utf8(record.pipeline_tag)) r.invalid("pipeline_tag is not valid UTF-8");
  record.created = model.created;
  record.downloads = model.downloads;
  record.likes = model.likes;
  record.index_keys();
  record.set_canonical(canonical);
  set_offer_keys(record, own_prompt, model.context_length);
  return record;
}

bool search_matches(const ModelRecord& m, std::string_view lower_q) {
  bool found = false;
  each_search_text(m, [&](std::string_view text) {
    found = found || text.find(lower_q) != std::string_view::npos;
  });
  return found;
}

bool has_provider(const ModelRecord& m, std::string_view lower_provider) {
  bool found = false;
  each_provider(m, [&](std::string_view p) { found = found || p == lower_provider; });
  return found;
}

bool has_pipeline_tag(const ModelRecord& m, std::string_view tag) {
  bool found = false;
  each_pipeline_tag(m, [&](std::string_view t) { found = found || t == tag; });
  return found;
}

std::shared_ptr<const GroupedKeys> grouped_keys(
    std::span<const std::shared_ptr<const ModelRecord>> records) {
  auto keys = std::make_shared<GroupedKeys>();
  // One set per list, seeded with the entry's own values: an entry can group thousands.
  std::unordered_set<std::string_view> texts, providers, tags;
  const ModelRecord& first = *records.front();
  each_search_text(first, [&](std::string_view t) { texts.insert(t); });
  providers.insert(first.lower_provider);
  tags.insert(first.pipeline_tag);
  auto add = [](std::unordered_set<std::string_view>& seen, std::vector<std::string>& to,
                std::string_view value) {
    if (!value.empty() && seen.insert(value).second) to.emplace_back(value);
  };
  for (const auto& r : records.subspan(1)) {
    each_search_text(*r, [&](std::string_view t) { add(texts, keys->texts, t); });
    add(providers, keys->providers, r->lower_provider);
    add(tags, keys->pipeline_tags, r->pipeline_tag);
  }
  return keys;
}

void ModelRecord::set_canonical(std::string_view canonical_id) {
  lower_canonical = ascii_lower(canonical_id);
  if (lower_canonical == lower_id) lower_canonical.clear();
}

void ModelRecord::index_keys() {
  lower_id = ascii_lower(id);
  lower_name = ascii_lower(name);
  lower_provider = ascii_lower(provider_slug);
}

}  // namespace gatehouse
