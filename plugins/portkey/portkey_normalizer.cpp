#include "portkey_normalizer.hpp"

#include <gatehouse/json_writer.hpp>

namespace gatehouse::portkey {
namespace {

namespace od = simdjson::ondemand;
using sv = std::string_view;

constexpr sv byte_order_mark = "\xEF\xBB\xBF";
const std::vector<std::string> text_only = {"text"};

sv string_or_empty(od::object& o, sv key) {
  sv s;
  od::value v;
  if (!gatehouse::found(o.find_field_unordered(key).get(v))) return {};
  return gatehouse::found(v.get_string().get(s)) ? s : sv();
}

std::vector<std::string> strings_of(od::object& o, sv key) {
  std::vector<std::string> out;
  od::array a;
  if (!gatehouse::found(o.find_field_unordered(key).get_array().get(a))) return out;
  for (auto item : a) {
    sv s;
    if (gatehouse::found(item.get_string().get(s)) && !s.empty()) out.emplace_back(s);
  }
  return out;
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
  std::string portkey_id(string_or_empty(entry, "id"));
  sv id = portkey_id, provider;
  if (id.starts_with('@')) {
    size_t slash = id.find('/');
    provider = id.substr(1, slash == sv::npos ? sv::npos : slash - 1);
    id = slash == sv::npos ? sv() : id.substr(slash + 1);
  }
  if (id.empty()) id = string_or_empty(entry, "slug");
  if (id.empty()) return;  // nothing to name it by
  std::string lower = gatehouse::ascii_lower(id);
  if (!wanted(lower)) return;
  auto [it, fresh] = index_.emplace(lower, models.size());
  if (fresh) {
    Model m{std::string(id), lower, {}, {}, {}, {}};
    od::object architecture;
    if (gatehouse::found(
            entry.find_field_unordered("architecture").get_object().get(architecture))) {
      m.inputs = strings_of(architecture, "input_modalities");
      m.outputs = strings_of(architecture, "output_modalities");
    }
    models.push_back(std::move(m));
  }
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
    for (od::value item : root.find_field_unordered("data").get_array()) {
      od::object entry;
      if (gatehouse::found(item.get_object().get(entry))) collect(entry, models);
    }
  });

  gatehouse::json::ObjectWriter metrics;
  std::vector<std::string_view> providers, portkey_ids, inputs, outputs;
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
    on_model(out);
  }
  return models.size();
}

}  // namespace gatehouse::portkey
