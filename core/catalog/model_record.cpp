#include "model_record.hpp"

#include "json_text.hpp"

#include <simdjson.h>

#include <cstddef>
#include <span>

namespace gatehouse {
namespace {

constexpr size_t model_v1_0_size = offsetof(gatehouse_model, metrics_json) + sizeof(gatehouse_str);

std::string_view view(gatehouse_str s) { return {s.data, s.data ? s.size : 0}; }
bool present(gatehouse_str s) { return s.data != nullptr; }

class Renderer {
 public:
  Renderer(const gatehouse_model& model, std::string& out) : model_(model), out_(out) {}

  [[noreturn]] void invalid(std::string_view why) const {
    std::string id(view(model_.id).substr(0, 200));
    throw InvalidModel("model '" + (is_valid_utf8(id) ? id : "<invalid UTF-8>") +
                       "': " + std::string(why));
  }

  void key(std::string_view name) {
    out_.append(out_.back() == '{' ? "\"" : ",\"").append(name).append("\":");
  }

  void string(std::string_view field, std::string_view text) {
    if (!append_json_string(out_, text)) invalid(std::string(field) + " is not valid UTF-8");
  }

  void string_or_null(std::string_view field, gatehouse_str text) {
    key(field);
    if (present(text))
      string(field, view(text));
    else
      out_.append("null");
  }

  void int_or_null(std::string_view field, int64_t value) {
    key(field);
    if (value == GATEHOUSE_UNKNOWN_INT)
      out_.append("null");
    else
      append_json_int(out_, value);
  }

  void string_array(std::string_view field, std::span<const gatehouse_str> items) {
    key(field);
    out_.push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out_.push_back(',');
      if (view(items[i]).empty()) invalid(std::string(field) + " holds an empty string");
      string(field, view(items[i]));
    }
    out_.push_back(']');
  }

  void join(std::span<const gatehouse_str> items, std::string& into) {
    for (size_t i = 0; i < items.size(); ++i) into.append(i ? "+" : "").append(view(items[i]));
  }

  void architecture() {
    std::span<const gatehouse_str> inputs(model_.input_modalities, model_.input_modality_count);
    std::span<const gatehouse_str> outputs(model_.output_modalities, model_.output_modality_count);
    key("architecture");
    out_.push_back('{');
    key("modality");
    if (inputs.empty() || outputs.empty()) {
      out_.append("null");
    } else {
      std::string modality;
      join(inputs, modality);
      modality.append("->");
      join(outputs, modality);
      string("modality", modality);
    }
    string_array("input_modalities", inputs);
    string_array("output_modalities", outputs);
    out_.push_back('}');
  }

  void metrics() {
    if (!present(model_.metrics_key)) return;
    std::string_view name = view(model_.metrics_key);
    bool identifier = !name.empty() && name.size() <= 64;
    for (char c : name) identifier = identifier && ((c >= 'a' && c <= 'z') || c == '_');
    if (!identifier || !name.ends_with("_metrics"))
      invalid("metrics_key must be lower_case and end in '_metrics'");
    static thread_local simdjson::dom::parser parser;
    simdjson::dom::element parsed;
    std::string_view json = view(model_.metrics_json);
    if (parser.parse(json.data(), json.size()).get(parsed) != simdjson::SUCCESS ||
        !parsed.is_object())
      invalid(std::string(name) + " is not a JSON object");
    key(name);
    out_.append(json);
  }

 private:
  const gatehouse_model& model_;
  std::string& out_;
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

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

ModelRecord make_model_record(const gatehouse_model& model, std::string_view source_gateway) {
  ModelRecord record;
  std::string& out = record.json;
  out = "{";
  Renderer r(model, out);
  if (model.struct_size < model_v1_0_size)
    r.invalid("gatehouse_model of " + std::to_string(model.struct_size) + " bytes, ABI 1.0 needs " +
              std::to_string(model_v1_0_size));
  std::string_view id = view(model.id);
  if (id.empty()) r.invalid("id is missing or empty");
  r.string_or_null("id", model.id);
  record.id = id;
  record.name = present(model.name) ? std::string(view(model.name)) : name_from_id(id);
  r.key("name");
  r.string("name", record.name);
  r.string_or_null("description", model.description);
  r.int_or_null("created", model.created);
  r.int_or_null("context_length", model.context_length);
  size_t slash = id.find('/');
  gatehouse_str owner{slash == std::string_view::npos ? nullptr : id.data(), slash};
  gatehouse_str provider = present(model.provider_slug) ? model.provider_slug : owner;
  r.string_or_null("provider_slug", provider);
  record.provider_slug = view(provider);
  r.string_or_null("provider_site_url", model.provider_site_url);
  r.key("source_gateway");
  r.string("source_gateway", source_gateway);
  r.architecture();
  r.key("pricing");
  out.push_back('{');
  r.string_or_null("prompt", model.pricing_prompt);
  r.string_or_null("completion", model.pricing_completion);
  out.push_back('}');
  r.metrics();
  out.push_back('}');

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
