#include "model_list_normalizer.hpp"

#include <gatehouse/price.hpp>
#include <gatehouse/text.hpp>

#include <algorithm>
#include <charconv>

namespace gatehouse::openai_compatible {
namespace {

namespace od = simdjson::ondemand;
using gatehouse::found;
using gatehouse::integer_or_absent;
using gatehouse::string_or_absent;
using sv = std::string_view;

// Names the metrics object writes itself; an upstream field of the same name is not copied.
constexpr sv written_keys[] = {"owned_by",      "max_output_tokens", "tags",           "pricing",
                               "pricing_other", "parameter_size",    "num_parameters", "name"};

// A price in USD per token, from text or a number, per token or per 1M tokens.
std::optional<std::string> price_of(od::value v, bool per_million) {
  int shift = per_million ? -6 : 0;
  sv s;
  if (found(v.get_string().get(s))) return gatehouse::price::decimal(s, shift);
  double d;
  if (found(v.get_double().get(d))) return gatehouse::price::from_double(d, shift);
  return std::nullopt;
}

// A value's JSON text as it stands in the input (the value is consumed).
sv raw_text(od::value value) {
  switch (value.type()) {
    case od::json_type::object: return od::object(value.get_object()).raw_json();
    case od::json_type::array: return od::array(value.get_array()).raw_json();
    default: return value.raw_json_token();
  }
}

bool is_window_key(sv key) {
  return key == "context_length" || key == "context_window" || key == "max_model_len" ||
         key == "max_context_length";
}

}  // namespace

struct ModelListNormalizer::Entry {
  sv id, name, model, display_name, description, owned_by, modality, parameter_size;
  std::optional<int64_t> created, context_length, max_output_tokens;
  std::vector<sv> inputs, outputs, tags;
  bool has_tags = false;
  std::optional<std::string> prompt, completion;
};

ModelListNormalizer::ModelListNormalizer(std::string provider, std::string metrics_key)
    : provider_(std::move(provider)), metrics_key_(std::move(metrics_key)) {}

size_t ModelListNormalizer::normalize(sv bytes, sv where, const OnModel& on_model) {
  size_t emitted = 0;
  reader_.read(bytes, where, "a model list", [&](od::document& doc) {
    bool listed = false;  // a list of entries was read
    od::array list;
    od::object root;
    if (found(doc.get_array().get(list))) {
      emitted += read_entries(list, on_model);
      listed = true;
    } else if (found(doc.get_object().get(root))) {
      for (auto field : root) {
        sv key = field.unescaped_key();
        if ((key == "data" || key == "models") && !listed &&
            found(field.value().get_array().get(list))) {
          emitted += read_entries(list, on_model);
          listed = true;
        }
      }
    }
    if (!listed)
      throw gatehouse::Error(GATEHOUSE_ERR_PARSE,
                             std::string(where) +
                                 " is not a model list ({\"data\": [...]}, a bare array, or "
                                 "Ollama's {\"models\": [...]})");
  });
  return emitted;
}

size_t ModelListNormalizer::read_entries(od::array list, const OnModel& on_model) {
  size_t emitted = 0;
  for (od::value item : list) {
    od::object object;
    if (!found(item.get_object().get(object))) continue;
    Entry e;
    read_entry(object, e);
    if (e.id.empty()) continue;  // nothing to name it by
    emit(e, on_model);
    ++emitted;
  }
  return emitted;
}

void ModelListNormalizer::read_entry(od::object entry, Entry& e) {
  prices_.reset();
  other_prices_.reset();
  kept_.clear();
  for (auto field : entry) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    if (key == "id")
      e.id = string_or_absent(v);
    else if (key == "name")
      e.name = string_or_absent(v);
    else if (key == "model")
      e.model = string_or_absent(v);
    else if (key == "display_name")
      e.display_name = string_or_absent(v);
    else if (key == "object")
      continue;  // "model" on every entry
    else if (key == "created")
      e.created = integer_or_absent(v);
    else if (key == "owned_by")
      e.owned_by = string_or_absent(v);
    else if (key == "description")
      e.description = string_or_absent(v);
    else if (is_window_key(key) && !e.context_length)
      e.context_length = integer_or_absent(v);
    else if (key == "max_completion_tokens" || key == "max_output_tokens")
      e.max_output_tokens = integer_or_absent(v);
    else if (key == "metadata")
      read_metadata(v, e);
    else if (key == "pricing")
      read_pricing(v, false, e);
    else if (key == "architecture") {
      od::object a;
      if (!found(v.get_object().get(a))) continue;
      for (auto part : a) {
        sv name = part.unescaped_key();
        od::value value = part.value();
        if (name == "modality") e.modality = string_or_absent(value);
        if (name == "input_modalities") gatehouse::append_strings(value, e.inputs);
        if (name == "output_modalities") gatehouse::append_strings(value, e.outputs);
      }
    } else if (key == "details") {  // Ollama: {"family", "parameter_size": "14.8B", ...}
      read_details(v, e);
    } else {
      keep_text(key, raw_text(v));
    }
  }
  if (e.id.empty()) e.id = !e.name.empty() ? e.name : e.model;  // Ollama names by "name"
}

// Kept whole, and its parameter_size read on the way.
void ModelListNormalizer::read_details(od::value details, Entry& e) {
  od::object o;
  if (!found(details.get_object().get(o))) return keep_text("details", raw_text(details));
  gatehouse::json::ObjectWriter kept;
  for (auto field : o) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    if (key == "parameter_size" && found(v.get_string().get(e.parameter_size)))
      kept.string(key, e.parameter_size);
    else if (auto json = minified(raw_text(v)))
      kept.raw(key, *json);
  }
  kept_.emplace_back("details", kept.finish());
}

// DeepInfra: {"description", "context_length", "max_tokens", "pricing": {...per 1M},
// "tags"}; null for models that are not chat models.
void ModelListNormalizer::read_metadata(od::value metadata, Entry& e) {
  od::object m;
  if (!found(metadata.get_object().get(m))) return;
  for (auto field : m) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    if (key == "description" && !e.description.data())
      e.description = string_or_absent(v);
    else if (is_window_key(key) && !e.context_length)
      e.context_length = integer_or_absent(v);
    else if (key == "max_tokens")
      e.max_output_tokens = integer_or_absent(v);
    else if (key == "pricing")
      read_pricing(v, true, e);
    else if (key == "tags") {
      e.has_tags = true;
      gatehouse::append_strings(v, e.tags);
    } else {
      keep_text(key, raw_text(v));
    }
  }
}

// prompt/completion are per token; input/output (Together) and input_tokens/output_tokens
// (DeepInfra) per 1M tokens, as is every other "*_tokens" key and every key of DeepInfra's
// metadata.pricing. Other text is per token (OpenRouter style); other numbers (Together's
// hourly, base, finetune) are not token prices and are kept as sent in pricing_other.
void ModelListNormalizer::read_pricing(od::value pricing, bool per_million, Entry& e) {
  od::object o;
  if (!found(pricing.get_object().get(o))) return;
  for (auto field : o) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    if (key == "prompt" || key == "completion") {
      (key == "prompt" ? e.prompt : e.completion) = price_of(v, false);
    } else if (key == "input" || key == "input_tokens") {
      e.prompt = price_of(v, true);
    } else if (key == "output" || key == "output_tokens") {
      e.completion = price_of(v, true);
    } else {
      sv text;
      bool is_text = found(v.get_string().get(text));
      if (!is_text && !per_million && !key.ends_with("_tokens")) {
        if (auto json = minified(raw_text(v))) other_prices_.raw(key, *json);
        continue;
      }
      auto p = is_text ? gatehouse::price::decimal(text, per_million ? -6 : 0) : price_of(v, true);
      p ? prices_.string(key, *p) : prices_.null(key);
    }
  }
}

// Keeps one field's JSON text, minified, for the metrics.
void ModelListNormalizer::keep_text(sv key, sv json) {
  if (auto text = minified(json)) kept_.emplace_back(std::string(key), std::move(*text));
}

std::optional<std::string> ModelListNormalizer::minified(sv json) {
  minified_.resize(json.size());
  size_t size = 0;
  if (simdjson::minify(json.data(), json.size(), minified_.data(), size) != simdjson::SUCCESS)
    return std::nullopt;  // not JSON after all: left out rather than passed on
  return minified_.substr(0, size);
}

void ModelListNormalizer::emit(const Entry& e, const OnModel& on_model) {
  gatehouse::ModalityLists lists;
  if (e.inputs.empty() && e.outputs.empty()) lists = gatehouse::split_modality(e.modality);
  const std::vector<sv>& inputs = lists.inputs.empty() ? e.inputs : lists.inputs;
  const std::vector<sv>& outputs = lists.outputs.empty() ? e.outputs : lists.outputs;
  auto at_most = [](const std::vector<sv>& list) {
    return std::span<const sv>(list).first(
        std::min(list.size(), gatehouse::ModelSink::max_modalities));
  };

  metrics_.reset();
  metrics_.string_or_null("owned_by", e.owned_by).integer("max_output_tokens", e.max_output_tokens);
  if (e.has_tags) metrics_.strings("tags", e.tags);
  metrics_.raw("pricing", prices_.finish());
  if (const std::string& other = other_prices_.finish(); other.size() > 2)
    metrics_.raw("pricing_other", other);
  if (e.parameter_size.data())
    metrics_.string("parameter_size", e.parameter_size)
        .integer("num_parameters", parameter_count(e.parameter_size));
  if (e.id.data() && e.name.data() && e.name != e.id) metrics_.string("name", e.name);
  for (const auto& [key, json] : kept_)
    if (std::find(std::begin(written_keys), std::end(written_keys), key) == std::end(written_keys))
      metrics_.raw(key, json);

  gatehouse::Model m;
  m.id = e.id;
  m.name = e.display_name;
  m.description = e.description;
  m.created = e.created.value_or(0) > 0 ? e.created : std::nullopt;  // 0: not known
  m.context_length = e.context_length.value_or(0) > 0 ? e.context_length : std::nullopt;
  if (e.id.find('/') == sv::npos) m.provider_slug = provider_.empty() ? e.owned_by : sv(provider_);
  m.input_modalities = at_most(inputs);
  m.output_modalities = at_most(outputs);
  if (e.prompt) m.pricing_prompt = *e.prompt;
  if (e.completion) m.pricing_completion = *e.completion;
  m.metrics_key = metrics_key_;
  m.metrics_json = metrics_.finish();
  on_model(m);
}

std::optional<int64_t> parameter_count(sv size) {
  if (size.empty()) return std::nullopt;
  int shift = 0;
  switch (size.back()) {
    case 'K':
    case 'k': shift = 3; break;
    case 'M':
    case 'm': shift = 6; break;
    case 'B':
    case 'b': shift = 9; break;
    case 'T':
    case 't': shift = 12; break;
    default: return std::nullopt;
  }
  auto text = gatehouse::price::decimal(size.substr(0, size.size() - 1), shift);
  int64_t count = 0;
  if (!text || text->find('.') != std::string::npos) return std::nullopt;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), count);
  return ec == std::errc() && end == text->data() + text->size() ? std::optional(count)
                                                                 : std::nullopt;
}

}  // namespace gatehouse::openai_compatible
