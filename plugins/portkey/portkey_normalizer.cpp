#include "portkey_normalizer.hpp"

#include <gatehouse/json_writer.hpp>

namespace gatehouse::portkey {
namespace {

namespace od = simdjson::ondemand;
using sv = std::string_view;

constexpr sv byte_order_mark = "\xEF\xBB\xBF";
const std::vector<std::string> text_only = {"text"};

// "@nebius/llava-hf/llava-1.5-7b-hf" -> {"nebius", "llava-hf/llava-1.5-7b-hf"}; an id
// without the "@provider/" prefix has no provider: {"", id}.
std::pair<sv, sv> split_portkey_id(sv id) {
  if (!id.starts_with('@')) return {sv(), id};
  size_t slash = id.find('/');
  return {id.substr(1, slash == sv::npos ? sv::npos : slash - 1),
          slash == sv::npos ? sv() : id.substr(slash + 1)};
}

// Copies, for the list kept past the parse.
std::vector<std::string> strings_of(od::value v) {
  std::vector<sv> views;
  gatehouse::append_strings(v, views);
  return {views.begin(), views.end()};
}

}  // namespace

PortkeyNormalizer::PortkeyNormalizer(std::vector<std::string> patterns) {
  for (auto& p : patterns) patterns_.push_back(gatehouse::ascii_lower(p));
}

bool PortkeyNormalizer::wanted(const std::string& lower_id) const {
  if (patterns_.empty()) return true;
  for (const auto& p : patterns_)
    if (lower_id.find(p) != std::string::npos) return true;
  return false;
}

// "@nebius/llava-hf/llava-1.5-7b-hf": provider nebius, model llava-hf/llava-1.5-7b-hf.
void PortkeyNormalizer::collect(od::object entry, std::vector<Model>& models) {
  sv id, slug;
  std::vector<std::string> inputs, outputs;
  for (auto field : entry) {  // one pass: see gatehouse::field_of
    sv key = field.unescaped_key();
    od::value v = field.value();
    od::object architecture;
    if (key == "id") id = gatehouse::string_or_absent(v);
    if (key == "slug") slug = gatehouse::string_or_absent(v);
    if (key == "architecture" && gatehouse::found(v.get_object().get(architecture)))
      for (auto part : architecture) {
        sv name = part.unescaped_key();
        if (name == "input_modalities") inputs = strings_of(part.value());
        if (name == "output_modalities") outputs = strings_of(part.value());
      }
  }
  std::string portkey_id(id);
  auto [provider, model] = split_portkey_id(id);
  id = model.empty() ? slug : model;
  if (id.empty()) return;  // nothing to name it by
  std::string lower = gatehouse::ascii_lower(id);
  if (!wanted(lower)) return;
  auto [it, fresh] = index_.emplace(lower, models.size());
  if (fresh)
    models.push_back(Model{std::string(id), lower, {}, {}, std::move(inputs), std::move(outputs)});
  Model& m = models[it->second];
  if (!provider.empty()) m.providers.emplace_back(provider);
  m.portkey_ids.push_back(std::move(portkey_id));
}

size_t PortkeyNormalizer::normalize(sv bytes, sv where, const OnModel& on_model) {
  if (bytes.starts_with(byte_order_mark)) bytes.remove_prefix(byte_order_mark.size());
  // Every entry first: one model may come from several providers anywhere in the list.
  std::vector<Model> models;
  index_.clear();
  reader_.read(bytes, where, "a Portkey model list", [&](od::document& doc) {
    od::object root = doc.get_object();
    od::value data;
    if (!gatehouse::field_of(root, "data", data))
      throw simdjson::simdjson_error(simdjson::NO_SUCH_FIELD);
    for (od::value item : data.get_array()) {
      od::object entry;
      if (gatehouse::found(item.get_object().get(entry))) collect(entry, models);
    }
  });

  gatehouse::json::ObjectWriter metrics;
  std::vector<std::string_view> providers, portkey_ids, inputs, outputs;
  std::vector<gatehouse::Offer> offers;
  for (const Model& m : models) {
    auto views = [](const std::vector<std::string>& from, std::vector<std::string_view>& to) {
      to.assign(from.begin(), from.end());
    };
    views(m.providers, providers);
    views(m.portkey_ids, portkey_ids);
    // Portkey's list says nothing of modalities: text in, text out, unless it does.
    views(m.inputs.empty() ? text_only : m.inputs, inputs);
    views(m.outputs.empty() ? text_only : m.outputs, outputs);
    metrics.reset();
    metrics.strings("providers", providers).strings("portkey_ids", portkey_ids);
    size_t slash = m.id.find('/');
    gatehouse::Model out;
    out.id = m.id;
    out.provider_slug = slash == std::string::npos ? sv(providers.empty() ? sv() : providers[0])
                                                   : sv(m.id).substr(0, slash);
    out.input_modalities = inputs;
    out.output_modalities = outputs;
    out.metrics_key = "portkey_metrics";
    out.metrics_json = metrics.finish();
    // Portkey names the Hub repo after its provider prefix; its list has no prices.
    if (gatehouse::is_hub_repo_id(m.id)) out.canonical_id = m.id;
    offers.clear();
    for (sv portkey_id : portkey_ids) {
      gatehouse::Offer& offer = offers.emplace_back();
      sv provider = split_portkey_id(portkey_id).first;
      offer.provider = provider.empty() ? "portkey" : provider;  // Portkey's default provider
      offer.model_id = portkey_id;
    }
    out.offers = offers;
    on_model(out);
  }
  return models.size();
}

}  // namespace gatehouse::portkey
