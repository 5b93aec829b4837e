#include "hub_normalizer.hpp"

#include "pipeline_modalities.hpp"

#include <charconv>

namespace gatehouse::huggingface {
namespace {

namespace od = simdjson::ondemand;
using sv = std::string_view;

using gatehouse::integer_or_absent;
using gatehouse::string_or_absent;

// safetensors / gguf: {"parameters": {...}, "total": n}
std::optional<int64_t> total_of(od::value v) {
  od::object o;
  if (!gatehouse::found(v.get_object().get(o))) return std::nullopt;
  od::value total;
  if (!gatehouse::field_of(o, "total", total)) return std::nullopt;
  return integer_or_absent(total);
}

// {"provider": {"status": "live", ...}} (older) or [{"provider": "x", "status": "live"}].
void read_hub_providers(od::value v, std::vector<HubProvider>& out) {
  od::object by_name;
  od::array list;
  if (gatehouse::found(v.get_object().get(by_name))) {
    for (auto field : by_name) {
      sv name, status;
      od::value entry;
      if (!gatehouse::found(field.unescaped_key().get(name)) ||
          !gatehouse::found(field.value().get(entry)))
        continue;
      od::object details;
      if (gatehouse::found(entry.get_object().get(details))) {
        od::value s;
        if (gatehouse::field_of(details, "status", s)) status = string_or_absent(s);
      }
      out.push_back({name, status});
    }
  } else if (gatehouse::found(v.get_array().get(list))) {
    for (auto item : list) {
      od::object o;
      if (!gatehouse::found(item.get_object().get(o))) continue;
      sv provider, status;
      for (auto field : o) {
        sv key;
        od::value value;
        if (!gatehouse::found(field.unescaped_key().get(key)) ||
            !gatehouse::found(field.value().get(value)))
          continue;
        if (key == "provider") provider = string_or_absent(value);
        if (key == "status") status = string_or_absent(value);
      }
      if (provider.data()) out.push_back({provider, status});
    }
  }
}

// The Hub's providers as huggingface_metrics' inference_providers: [{provider, status}].
void write_hub_providers(const std::vector<HubProvider>& hub, std::string& out) {
  out.push_back('[');  // not = "[": GCC 12 -O3 misreads that as an overlapping copy
  for (const HubProvider& h : hub) {
    out += out.size() > 1 ? ",{\"provider\":" : "{\"provider\":";
    gatehouse::json::append_string(out, h.provider);
    out += ",\"status\":";
    if (h.status.data())
      gatehouse::json::append_string(out, h.status);
    else
      out += "null";
    out += "}";
  }
  out.push_back(']');
}

void read_gated(od::value v, HubRecord& r) {
  bool b;
  if (gatehouse::found(v.get_bool().get(b))) {
    r.gated = b;
    return;
  }
  r.gate_mode = string_or_absent(v);  // "auto" | "manual"
  r.gated = !r.gate_mode.empty();
}

}  // namespace

std::optional<int64_t> parse_iso8601(std::string_view t) {
  auto number = [&](size_t at, size_t len, int& out) {
    if (at + len > t.size()) return false;
    auto [end, ec] = std::from_chars(t.data() + at, t.data() + at + len, out);
    return ec == std::errc() && end == t.data() + at + len;
  };
  int y, mo, d, h, mi, s;
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':' || !number(0, 4, y) || !number(5, 2, mo) || !number(8, 2, d) ||
      !number(11, 2, h) || !number(14, 2, mi) || !number(17, 2, s) || mo < 1 || mo > 12 || d < 1 ||
      d > 31 || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  size_t at = 19;
  while (at < t.size() && (t[at] == '.' || (t[at] >= '0' && t[at] <= '9'))) ++at;
  int64_t offset = 0;
  if (at < t.size() && (t[at] == '+' || t[at] == '-')) {
    int oh, om;
    if (!number(at + 1, 2, oh) || !number(at + 4, 2, om)) return std::nullopt;
    offset = (t[at] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  }
  // Days from civil (Howard Hinnant's algorithm).
  y -= mo <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + h * 3600 + mi * 60 + s - offset;
}

HubNormalizer::HubNormalizer(std::string site_url) : site_url_(std::move(site_url)) {}

size_t HubNormalizer::normalize(sv bytes, sv where, const OnModel& on_model,
                                const RouterCatalog* router) {
  return run(bytes, where, false, on_model, router);
}

size_t HubNormalizer::normalize_page(sv bytes, sv where, const OnModel& on_model,
                                     const RouterCatalog* router) {
  return run(bytes, where, true, on_model, router);
}

size_t HubNormalizer::run(sv bytes, sv where, bool array_only, const OnModel& on_model,
                          const RouterCatalog* router) {
  size_t emitted = 0;
  reader_.read(bytes, where, "valid JSON", [&](od::document& doc) {
    od::json_type type = doc.type();
    if (type == od::json_type::object && !array_only) {
      emit_record(doc.get_object(), on_model, router, emitted);
    } else if (type == od::json_type::array) {
      for (od::value item : doc.get_array()) {
        od::object record;
        if (gatehouse::found(item.get_object().get(record)))
          emit_record(record, on_model, router, emitted);
        else
          ++skipped_;  // not a model record at all
      }
    } else {
      throw gatehouse::Error(GATEHOUSE_ERR_PARSE,
                             std::string(where) + (array_only ? " is not a JSON array of models"
                                                              : " is not a model or an array of "
                                                                "models"));
    }
  });
  return emitted;
}

void HubNormalizer::read_record(od::object record, HubRecord& r) {
  tags_.clear();
  hub_providers_.clear();
  for (auto field : record) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    if (key == "id")
      r.id = string_or_absent(v);
    else if (key == "modelId")
      r.model_id = string_or_absent(v);
    else if (key == "author")
      r.author = string_or_absent(v);
    else if (key == "downloads")
      r.downloads = integer_or_absent(v);
    else if (key == "likes")
      r.likes = integer_or_absent(v);
    else if (key == "pipeline_tag")
      r.pipeline_tag = string_or_absent(v);
    else if (key == "library_name")
      r.library_name = string_or_absent(v);
    else if (key == "createdAt")
      r.created_at = string_or_absent(v);
    else if (key == "lastModified")
      r.last_modified = string_or_absent(v);
    else if (key == "gated")
      read_gated(v, r);
    else if (key == "private") {
      bool b;
      if (gatehouse::found(v.get_bool().get(b))) r.is_private = b;
    } else if (key == "safetensors")
      r.num_parameters = total_of(v);
    else if (key == "gguf")
      r.gguf_parameters = total_of(v);
    else if (key == "inferenceProviderMapping")
      read_hub_providers(v, hub_providers_);
    else if (key == "tags")
      gatehouse::append_strings(v, tags_);
  }
  if (r.id.empty()) r.id = r.model_id;
}

const std::string& HubNormalizer::metrics_of(const HubRecord& r,
                                             const std::vector<RouterProvider>* served) {
  providers_.clear();
  served ? write_inference_providers(*served, hub_providers_, providers_)
         : write_hub_providers(hub_providers_, providers_);
  metrics_.reset();
  metrics_.integer("downloads", r.downloads)
      .integer("likes", r.likes)
      .string_or_null("pipeline_tag", r.pipeline_tag)
      .integer("num_parameters", r.num_parameters ? r.num_parameters : r.gguf_parameters)
      .boolean("gated", r.gated)
      .string_or_null("gate_mode", r.gate_mode.empty() ? sv() : r.gate_mode);
  if (r.is_private)
    metrics_.boolean("private", *r.is_private);
  else
    metrics_.null("private");
  return metrics_.string_or_null("last_modified", r.last_modified)
      .string_or_null("created_at", r.created_at)
      .string_or_null("author", r.author)
      .string_or_null("library_name", r.library_name)
      .string("url", url_)
      .strings("tags", tags_)
      .raw("inference_providers", providers_)
      .finish();
}

void HubNormalizer::emit_record(od::object record, const OnModel& on_model,
                                const RouterCatalog* router, size_t& emitted) {
  HubRecord r;
  read_record(record, r);
  if (r.id.empty()) {
    ++skipped_;  // nothing to name it by
    return;
  }
  url_ = site_url_ + "/" + std::string(r.id);
  const std::vector<RouterProvider>* served = router ? router->find(r.id) : nullptr;

  Modalities modalities = modalities_of(r.pipeline_tag);
  gatehouse::Model m;
  m.id = r.id;
  m.canonical_id = r.id;       // a Hub repo id is the canonical id itself
  m.provider_slug = r.author;  // absent: the host takes the id's owner part
  m.provider_site_url = url_;
  m.created = r.created_at.data() ? parse_iso8601(r.created_at) : std::nullopt;
  m.downloads = r.downloads;
  m.likes = r.likes;
  m.pipeline_tag = r.pipeline_tag;
  m.input_modalities = modalities.inputs;
  m.output_modalities = modalities.outputs;
  m.metrics_key = "huggingface_metrics";
  m.metrics_json = metrics_of(r, served);
  if (served) offers_.apply(m, *served);
  on_model(m);
  ++emitted;
}

}  // namespace gatehouse::huggingface
