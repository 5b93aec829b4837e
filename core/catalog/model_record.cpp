#include "catalog/model_record.hpp"

#include "support/json_writer.hpp"
#include "support/utf8.hpp"

#include <simdjson.h>
#include <gatehouse/price.hpp>
#include <gatehouse/text.hpp>

#include <cstddef>
#include <span>

namespace gatehouse {
namespace {

constexpr size_t model_v1_0_size = offsetof(gatehouse_model, metrics_json) + sizeof(gatehouse_str);

std::string_view view(gatehouse_str s) { return {s.data, s.data ? s.size : 0}; }
// The SDK's convention: a view with null data is absent (JSON null).
std::string_view view_or_absent(gatehouse_str s) { return s.data ? view(s) : std::string_view(); }

std::optional<int64_t> known(int64_t value) {
  return value == GATEHOUSE_UNKNOWN_INT ? std::nullopt : std::optional<int64_t>(value);
}

class Renderer {
 public:
  Renderer(const gatehouse_model& model, std::string& out) : model_(model), json_(out) {}

  [[noreturn]] void invalid(std::string_view why) const {
    std::string id(view(model_.id).substr(0, 200));
    throw InvalidModel("model '" + (is_valid_utf8(id) ? id : "<invalid UTF-8>") +
                       "': " + std::string(why));
  }

  // One member whose text comes from the plugin: bytes that are not UTF-8 drop the model.
  void text(std::string_view field, std::string_view value) {
    json_.key(field);
    try {
      json_.string_or_null(value);
    } catch (const InvalidUtf8&) {
      invalid(std::string(field) + " is not valid UTF-8");
    }
  }

  void integer(std::string_view field, int64_t value) {
    json_.key(field).integer_or_null(known(value));
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

  void pricing() {
    json_.key("pricing").begin_object();
    price("prompt", model_.pricing_prompt);
    price("completion", model_.pricing_completion);
    json_.end_object();
  }

  // Every price a client reads is USD per token as decimal text, or null: one plugin's
  // "1e-7" or "$0.10" must not reach a client that sorts offers by price.
  void price(std::string_view field, gatehouse_str value) {
    if (value.data && !price::is_decimal_text(view(value)))
      invalid("pricing_" + std::string(field) + " is not decimal text in USD per token (like " +
              "\"0.0000026\"): '" + to_valid_utf8(one_line_prefix(view(value), 40)) + "'");
    text(field, view_or_absent(value));
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

  r.json().begin_object();
  r.text("id", id);
  r.text("name", record.name);
  r.text("description", view_or_absent(model.description));
  r.integer("created", model.created);
  r.integer("context_length", model.context_length);
  r.text("provider_slug", provider);
  r.text("provider_site_url", view_or_absent(model.provider_site_url));
  r.text("source_gateway", source_gateway);
  r.architecture();
  r.pricing();
  r.metrics();
  r.json().end_object();

  record.pipeline_tag = view(model.pipeline_tag);
  if (!is_valid_utf8(record.pipeline_tag)) r.invalid("pipeline_tag is not valid UTF-8");
  record.created = model.created;
  record.downloads = model.downloads;
  record.likes = model.likes;
  record.index_keys();
  return record;
}

void ModelRecord::index_keys() {
  lower_id = ascii_lower(id);
  lower_name = ascii_lower(name);
  lower_provider = ascii_lower(provider_slug);
}

}  // namespace gatehouse
