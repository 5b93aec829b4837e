#include "openrouter_normalizer.hpp"

#include <gatehouse/price.hpp>
#include <gatehouse/text.hpp>
#include <gatehouse/url.hpp>

#include <optional>

namespace gatehouse::openrouter {
namespace {

namespace od = simdjson::ondemand;
using gatehouse::found;
using gatehouse::integer_or_absent;
using gatehouse::string_or_absent;
using sv = std::string_view;

using Price = gatehouse::JsonPrice;

void write_price(gatehouse::json::ObjectWriter& out, sv key, const Price& p) {
  p.text ? out.string(key, *p.text) : out.null(key);
}

// Reads one price, noting in `variable` when it is one.
Price price_of(od::value v, bool& variable) {
  Price p = gatehouse::price_of(v);
  variable = variable || p.variable;
  return p;
}

// The counts a pricing tier is conditioned on; its other keys are prices.
bool is_tier_condition(sv key) {
  return key.starts_with("min_") || key.starts_with("max_") || key.starts_with("utc_");
}

// ":free" of "z-ai/glm-5.2:free": OpenRouter's variants of one model.
sv variant_of(sv id) {
  size_t colon = id.rfind(':');
  if (colon == sv::npos || colon + 1 == id.size()) return {};
  size_t slash = id.rfind('/');
  return slash != sv::npos && slash > colon ? sv() : id.substr(colon + 1);
}

}  // namespace

struct OpenRouterNormalizer::Entry {
  sv id, name, description, canonical_slug, hugging_face_id, tokenizer, instruct_type;
  sv alias_of, knowledge_cutoff, expiration_date;
  std::optional<int64_t> created, context_length, top_context_length, max_output;
  gatehouse::ModalityFields modalities;
  std::vector<sv> parameters;
  bool has_parameters = false, has_top_provider = false;
  bool variable = false;  // some price is "-1": it depends on what the router picks
  Price prompt, completion;
};

OpenRouterNormalizer::OpenRouterNormalizer(std::string site_url) : site_url_(std::move(site_url)) {}

OpenRouterNormalizer::Page OpenRouterNormalizer::normalize(sv bytes, sv where,
                                                           const OnModel& on_model) {
  Page page;
  reader_.read(bytes, where, "an OpenRouter model list", [&](od::document& doc) {
    od::object root;
    bool listed = false;  // a "data" array was read
    if (found(doc.get_object().get(root))) {
      for (auto field : root) {
        sv key = field.unescaped_key();
        od::value v = field.value();
        od::array data;
        od::object links;
        od::value next;
        if (key == "data" && found(v.get_array().get(data))) {
          read_entries(data, page, on_model);
          listed = true;
        } else if (key == "links" && found(v.get_object().get(links)) &&
                   gatehouse::field_of(links, "next", next)) {
          page.next = std::string(string_or_absent(next));
        }
      }
    }
    if (!listed)
      throw gatehouse::Error(GATEHOUSE_ERR_PARSE, std::string(where) +
                                                      " is not an OpenRouter model list (an "
                                                      "object whose \"data\" is an array)");
  });
  return page;
}

void OpenRouterNormalizer::read_entries(od::array data, Page& page, const OnModel& on_model) {
  for (od::value item : data) {
    od::object object;
    if (!found(item.get_object().get(object))) continue;
    Entry e;
    read_entry(object, e);
    if (e.id.empty()) continue;  // nothing to name it by
    emit(e, on_model);
    ++page.models;
  }
}

void OpenRouterNormalizer::read_entry(od::object entry, Entry& e) {
  top_provider_.reset();
  prices_.reset();
  overrides_.clear();
  for (auto field : entry) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    if (key == "id")
      e.id = string_or_absent(v);
    else if (key == "name")
      e.name = string_or_absent(v);
    else if (key == "description")
      e.description = string_or_absent(v);
    else if (key == "created")
      e.created = integer_or_absent(v);
    else if (key == "context_length")
      e.context_length = integer_or_absent(v);
    else if (key == "canonical_slug")
      e.canonical_slug = string_or_absent(v);
    else if (key == "hugging_face_id")
      e.hugging_face_id = string_or_absent(v);
    else if (key == "knowledge_cutoff")
      e.knowledge_cutoff = string_or_absent(v);
    else if (key == "expiration_date")
      e.expiration_date = string_or_absent(v);
    else if (key == "supported_parameters") {
      e.has_parameters = true;
      gatehouse::append_strings(v, e.parameters);
    } else if (key == "architecture") {
      od::object a;
      if (!found(v.get_object().get(a))) continue;
      for (auto part : a) {
        sv name = part.unescaped_key();
        od::value value = part.value();
        if (e.modalities.read(name, value)) continue;
        if (name == "tokenizer") e.tokenizer = string_or_absent(value);
        if (name == "instruct_type") e.instruct_type = string_or_absent(value);
      }
    } else if (key == "top_provider") {
      od::object t;
      if (!found(v.get_object().get(t))) continue;
      e.has_top_provider = true;
      for (auto part : t) {
        sv name = part.unescaped_key();
        od::value value = part.value();
        if (name == "context_length") {
          e.top_context_length = integer_or_absent(value);
          top_provider_.integer(name, e.top_context_length);
        } else if (name == "max_completion_tokens") {
          e.max_output = integer_or_absent(value);
          top_provider_.integer(name, e.max_output);
        } else if (name == "is_moderated") {
          bool b = false;
          found(value.get_bool().get(b)) ? top_provider_.boolean(name, b)
                                         : top_provider_.null(name);
        }
      }
    } else if (key == "alias_target") {
      od::object t;
      od::value slug;
      if (found(v.get_object().get(t)) && gatehouse::field_of(t, "slug", slug))
        e.alias_of = string_or_absent(slug);
    } else if (key == "pricing") {
      read_pricing(v, e);
    }
  }
}

// prompt and completion become the model's price; every other key (cache reads and
// writes, image, web_search, internal_reasoning, ...) is kept, per token or per unit as
// OpenRouter prices it; `overrides` are the tiers (by prompt length or time of day).
void OpenRouterNormalizer::read_pricing(od::value pricing, Entry& e) {
  od::object o;
  if (!found(pricing.get_object().get(o))) return;
  for (auto field : o) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    if (key == "overrides") {
      od::array tiers;
      if (!found(v.get_array().get(tiers))) continue;
      gatehouse::json::ObjectWriter tier;
      for (auto item : tiers) {
        od::object t;
        if (!found(item.get_object().get(t))) continue;
        tier.reset();
        for (auto part : t) {
          sv name = part.unescaped_key();
          od::value value = part.value();
          if (is_tier_condition(name))
            tier.integer(name, integer_or_absent(value));
          else
            write_price(tier, name, price_of(value, e.variable));
        }
        overrides_ += overrides_.empty() ? "[" : ",";
        overrides_ += tier.finish();
      }
    } else if (key == "prompt") {
      e.prompt = price_of(v, e.variable);
    } else if (key == "completion") {
      e.completion = price_of(v, e.variable);
    } else {
      write_price(prices_, key, price_of(v, e.variable));
    }
  }
}

void OpenRouterNormalizer::emit(Entry& e, const OnModel& on_model) {
  metrics_.reset();
  metrics_.string_or_null("canonical_slug", e.canonical_slug)
      .string_or_null("hugging_face_id", e.hugging_face_id.empty() ? sv() : e.hugging_face_id)
      .string_or_null("variant", variant_of(e.id))
      .boolean("variable_pricing", e.variable)
      .string_or_null("tokenizer", e.tokenizer)
      .string_or_null("instruct_type", e.instruct_type)
      .raw("top_provider", e.has_top_provider ? top_provider_.finish() : "null")
      .raw("pricing", prices_.finish())
      .raw("pricing_overrides", overrides_.empty() ? "[]" : overrides_ + "]");
  e.has_parameters ? metrics_.strings("supported_parameters", e.parameters)
                   : metrics_.null("supported_parameters");
  metrics_.string_or_null("alias_of", e.alias_of)
      .string_or_null("knowledge_cutoff", e.knowledge_cutoff)
      .string_or_null("expiration_date", e.expiration_date);

  // The id as a path: no byte of it (space, ?, #, CR) can bend the page's URL.
  url_ = site_url_ + "/" + gatehouse::percent_encode(e.id, "/:");
  std::optional<int64_t> window =
      e.context_length.value_or(0) > 0 ? e.context_length : e.top_context_length;
  size_t slash = e.id.find('/');
  size_t owner = e.id.starts_with('~') ? 1 : 0;  // "~anthropic/claude-opus-latest": an alias
  gatehouse::Model m;
  m.id = e.id;
  m.name = e.name;
  m.description = e.description;
  m.created = e.created.value_or(0) > 0 ? e.created : std::nullopt;
  m.context_length = window.value_or(0) > 0 ? window : std::nullopt;
  if (slash != sv::npos && slash > owner) m.provider_slug = e.id.substr(owner, slash - owner);
  m.provider_site_url = url_;
  e.modalities.apply(m);
  if (e.prompt.text) m.pricing_prompt = *e.prompt.text;
  if (e.completion.text) m.pricing_completion = *e.completion.text;
  m.metrics_key = "openrouter_metrics";
  m.metrics_json = metrics_.finish();
  // OpenRouter serves every model it lists itself: one offer, at the model's own prices.
  if (gatehouse::is_hub_repo_id(e.hugging_face_id)) m.canonical_id = e.hugging_face_id;
  gatehouse::Offer offer = gatehouse::own_offer(m, "openrouter");
  offer.max_output_tokens = e.max_output;
  m.offers = {&offer, 1};
  on_model(m);
}

}  // namespace gatehouse::openrouter
