#include "router_offers.hpp"

#include <gatehouse/json_writer.hpp>
#include <gatehouse/offer_status.hpp>
#include <gatehouse/text.hpp>

#include <optional>
#include <utility>

namespace gatehouse::huggingface {
namespace {

using sv = std::string_view;

sv view_of(const std::optional<std::string>& text) { return text ? sv(*text) : sv(); }

bool is_live(const RouterProvider& p) { return gatehouse::offer_is_live(view_of(p.status)); }

bool priced(const RouterProvider& p) { return p.price_input && p.price_output; }

// Strictly cheaper: input price first, output price on a tie.
bool cheaper(const RouterProvider& a, const RouterProvider& b) {
  int input = compare_decimal(*a.price_input, *b.price_input);
  return input < 0 || (input == 0 && compare_decimal(*a.price_output, *b.price_output) < 0);
}

// "0012.500" -> {"12", "5"}: the integer part without its leading zeros, the fraction
// without its trailing zeros, so comparing the parts compares the numbers.
std::pair<sv, sv> significant_parts(sv text) {
  size_t dot = text.find('.');
  sv integer = text.substr(0, dot), fraction = dot == sv::npos ? sv() : text.substr(dot + 1);
  while (!integer.empty() && integer.front() == '0') integer.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  return {integer, fraction};
}

void write_bool(gatehouse::json::ObjectWriter& out, sv key, std::optional<bool> value) {
  value ? out.boolean(key, *value) : out.null(key);
}

}  // namespace

int compare_decimal(sv a, sv b) {
  auto [a_integer, a_fraction] = significant_parts(a);
  auto [b_integer, b_fraction] = significant_parts(b);
  if (a_integer.size() != b_integer.size()) return a_integer.size() < b_integer.size() ? -1 : 1;
  if (int c = a_integer.compare(b_integer)) return c < 0 ? -1 : 1;
  int c = a_fraction.compare(b_fraction);  // ".5" < ".55" < ".6", digit by digit
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

const RouterProvider* cheapest_live(const std::vector<RouterProvider>& providers) {
  const RouterProvider* best = nullptr;
  for (const RouterProvider& p : providers)
    if (is_live(p) && priced(p) && (!best || cheaper(p, *best))) best = &p;
  return best;
}

void RouterOffers::apply(gatehouse::Model& m, const std::vector<RouterProvider>& providers) {
  // Every id first: the offers point into these strings, which must not move afterwards.
  model_ids_.clear();
  for (const RouterProvider& p : providers)
    model_ids_.push_back(std::string(m.id) + ":" + p.provider);
  offers_.clear();
  std::optional<int64_t> window;
  for (size_t i = 0; i < providers.size(); ++i) {
    const RouterProvider& p = providers[i];
    gatehouse::Offer o;
    o.provider = p.provider;
    o.model_id = model_ids_[i];
    o.pricing_prompt = view_of(p.price_input);
    o.pricing_completion = view_of(p.price_output);
    o.context_length = p.context_length;
    o.status = view_of(p.status);  // max_output_tokens: the router does not say
    offers_.push_back(o);
    if (is_live(p) && p.context_length && (!window || *p.context_length > *window))
      window = p.context_length;
  }
  m.offers = offers_;
  if (window) m.context_length = window;
  if (const RouterProvider* best = cheapest_live(providers)) {
    m.pricing_prompt = *best->price_input;
    m.pricing_completion = *best->price_output;
  }
}

void write_inference_providers(const std::vector<RouterProvider>& router,
                               const std::vector<HubProvider>& hub, std::string& out) {
  gatehouse::json::ObjectWriter entry;
  out.push_back('[');
  auto add = [&](sv provider, sv status, std::optional<bool> tools, std::optional<bool> output) {
    entry.reset();
    entry.string("provider", provider).string_or_null("status", status);
    write_bool(entry, "supports_tools", tools);
    write_bool(entry, "supports_structured_output", output);
    if (out.size() > 1) out.push_back(',');
    out += entry.finish();
  };
  for (const RouterProvider& p : router)
    add(p.provider, view_of(p.status), p.supports_tools, p.supports_structured_output);
  for (const HubProvider& h : hub) {
    bool listed = false;
    for (const RouterProvider& p : router)
      listed = listed || gatehouse::iequals(p.provider, h.provider);
    if (!listed) add(h.provider, h.status, std::nullopt, std::nullopt);
  }
  out.push_back(']');
}

}  // namespace gatehouse::huggingface
