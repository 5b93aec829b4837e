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

// 0, a negative number, null or a non-number says nothing: a later window key still may.
bool is_window(std::optional<int64_t> tokens) { return tokens.value_or(0) > 0; }

}  // namespace

struct ModelListNormalizer::Entry {
  sv id, name, model, display_name, description, owned_by, parameter_size;
  std::optional<int64_t> created, context_length, max_output_tokens;
  gatehouse::ModalityFields modalities;
  std::vector<sv> tags;
  bool has_tags = false;
  // Per token (prompt/completion) wins over per 1M (input/output), whatever the key order.
  gatehouse::JsonPrice prompt, completion, input, output;
  bool variable = false;       // some price was negative ("-1": set by the model routed to)
  bool other_charges = false;  // a non-token price above 0 (Together's base, hourly)
};

ModelListNormalizer::ModelListNormalizer(Settings settings) : settings_(std::move(settings)) {}

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
    else if (is_window_key(key) && !is_window(e.context_length))
      e.context_length = integer_or_absent(v);
    else if (key == "max_completion_tokens" || key == "max_output_tokens")
      e.max_output_tokens = integer_or_absent(v);
    else if (key == "metadata")
      read_metadata(v, e);
    else if (key == "pricing")
      read_pricing(v, false, e);
    else if (key == "tags") {
      e.has_tags = true;
      gatehouse::append_strings(v, e.tags);
    } else if (key == "architecture") {
      od::object a;
      if (!found(v.get_object().get(a))) continue;
      for (auto part : a) {
        sv name = part.unescaped_key();
        od::value value = part.value();
        if (!e.modalities.read(name, value)) keep_text(name, raw_text(value));
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
    else if (auto json = valid_json(raw_text(v)))
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
    else if (is_window_key(key) && !is_window(e.context_length))
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
  if (!found(pricing.get_object().get(o))) return keep_text("upstream_pricing", raw_text(pricing));
  auto note = [&e](gatehouse::JsonPrice p) {
    e.variable = e.variable || p.variable;
    return p;
  };
  for (auto field : o) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    sv text;
    double number = 0;
    if (key == "prompt" || key == "completion") {
      (key == "prompt" ? e.prompt : e.completion) = note(gatehouse::price_of(v));
    } else if (key == "input" || key == "input_tokens") {
      e.input = note(gatehouse::price_of(v, -6));
    } else if (key == "output" || key == "output_tokens") {
      e.output = note(gatehouse::price_of(v, -6));
    } else if (found(v.get_string().get(text)) || per_million || key.ends_with("_tokens")) {
      int shift = per_million || !text.data() ? -6 : 0;  // text is per token but in metadata
      auto p = note(text.data() ? gatehouse::price_from_text(text, shift)
                                : gatehouse::price_of(v, shift));
      p.text ? prices_.string(key, *p.text) : prices_.null(key);
    } else if (auto json = valid_json(raw_text(v))) {
      e.other_charges =
          e.other_charges ||
          (std::from_chars(json->data(), json->data() + json->size(), number).ec == std::errc() &&
           number > 0);
      other_prices_.raw(key, *json);
    }
  }
}

// Keeps one field's JSON text, minified, for the metrics; a field that is not JSON after all
// (simdjson's On-Demand skips what it does not read) is left out, not the model.
void ModelListNormalizer::keep_text(sv key, sv json) {
  if (auto text = valid_json(json)) kept_.emplace_back(std::string(key), std::move(*text));
}

std::optional<std::string> ModelListNormalizer::valid_json(sv json) {
  minified_.resize(json.size());
  size_t size = 0;
  if (simdjson::minify(json.data(), json.size(), minified_.data(), size) != simdjson::SUCCESS)
    return std::nullopt;
  minified_.resize(size);
  if (validator_.parse(minified_).error()) return std::nullopt;
  return minified_;
}

// The token prices: per token when given, else per 1M; a "free" model that is charged
// otherwise (Together's image models: input 0, output 0, base 0.0027) has none.
std::pair<gatehouse::JsonPrice, gatehouse::JsonPrice> token_prices(
    const gatehouse::JsonPrice& prompt, const gatehouse::JsonPrice& completion,
    const gatehouse::JsonPrice& input, const gatehouse::JsonPrice& output, bool other_charges) {
  auto pick = [](const gatehouse::JsonPrice& a, const gatehouse::JsonPrice& b) {
    return a.text || a.variable ? a : b;
  };
  gatehouse::JsonPrice p = pick(prompt, input), c = pick(completion, output);
  if (other_charges && p.text == "0" && c.text == "0") return {};
  return {p, c};
}

void ModelListNormalizer::emit(Entry& e, const OnModel& on_model) {
  auto [prompt, completion] =
      token_prices(e.prompt, e.completion, e.input, e.output, e.other_charges);
  written_.clear();
  metrics_.reset();
  write("owned_by").string_or_null("owned_by", e.owned_by);
  write("max_output_tokens").integer("max_output_tokens", e.max_output_tokens);
  if (e.has_tags) write("tags").strings("tags", e.tags);
  write("variable_pricing").boolean("variable_pricing", e.variable);
  write("pricing").raw("pricing", prices_.finish());
  if (const std::string& other = other_prices_.finish(); other.size() > 2)
    write("pricing_other").raw("pricing_other", other);
  if (e.parameter_size.data())
    write("parameter_size")
        .string("parameter_size", e.parameter_size)
        .integer("num_parameters", parameter_count(e.parameter_size));
  if (e.name.data() && e.name != e.id) write("name").string("name", e.name);
  for (const auto& [key, json] : kept_)  // an upstream that repeats a key: the first stays
    if (std::find(written_.begin(), written_.end(), key) == written_.end())
      write(key).raw(key, json);

  gatehouse::Model m;
  m.id = e.id;
  m.name = e.display_name;
  m.description = e.description;
  m.created = e.created.value_or(0) > 0 ? e.created : std::nullopt;  // 0: not known
  m.context_length = is_window(e.context_length) ? e.context_length : std::nullopt;
  if (e.id.find('/') == sv::npos)
    m.provider_slug = settings_.provider.empty() ? e.owned_by : sv(settings_.provider);
  e.modalities.apply(m);
  if (prompt.text) m.pricing_prompt = *prompt.text;
  if (completion.text) m.pricing_completion = *completion.text;
  m.metrics_key = settings_.metrics_key;
  m.metrics_json = metrics_.finish();
  // The endpoint serves what it lists: one offer, at the model's own prices.
  if (settings_.hub_ids && gatehouse::is_hub_repo_id(e.id)) m.canonical_id = e.id;
  gatehouse::Offer offer = gatehouse::own_offer(m, settings_.offered_by);
  offer.max_output_tokens = e.max_output_tokens;
  m.offers = {&offer, 1};
  on_model(m);
}

gatehouse::json::ObjectWriter& ModelListNormalizer::write(sv key) {
  written_.emplace_back(key);
  return metrics_;
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
