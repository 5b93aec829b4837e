#include "catalog/offers.hpp"

#include <gatehouse/price.hpp>

#include <algorithm>
#include <tuple>

namespace gatehouse {
namespace {

constexpr int price_places = 15;

// Unknown sorts after every known value.
auto order_key(int64_t v) { return std::make_tuple(!known(v), v); }

// best = the lowest (highest) known value of best and v.
void keep_lowest(int64_t& best, int64_t v) {
  if (known(v) && (!known(best) || v < best)) best = v;
}
void keep_highest(int64_t& best, int64_t v) {
  if (known(v) && (!known(best) || v > best)) best = v;
}

// An offer counts towards its model's keys when it is live.
void keep_live_keys(ModelRecord& m, const OfferKey& o) {
  if (!o.live) return;
  keep_lowest(m.price, o.prompt);
  keep_highest(m.context, o.context);
}

}  // namespace

std::optional<int64_t> price_units(std::string_view text, Rounding rounding) {
  if (!price::is_decimal_text(text)) return std::nullopt;
  size_t point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string_view places = point == std::string_view::npos ? "" : text.substr(point + 1);
  while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
  int64_t units = 0;
  auto append = [&](int digit) {
    if (units > (max_price_units - digit) / 10) return false;
    units = units * 10 + digit;
    return true;
  };
  for (char c : whole)
    if (!append(c - '0')) return max_price_units;
  for (int i = 0; i < price_places; ++i)
    if (!append(i < static_cast<int>(places.size()) ? places[i] - '0' : 0)) return max_price_units;
  bool rest = places.size() > price_places &&
              places.find_first_not_of('0', price_places) != std::string_view::npos;
  return rest && rounding == Rounding::up && units < max_price_units ? units + 1 : units;
}

bool cheaper(const OfferKey& a, const OfferKey& b) {
  return std::make_tuple(order_key(a.prompt), order_key(a.completion)) <
         std::make_tuple(order_key(b.prompt), order_key(b.completion));
}

void set_offer_keys(ModelRecord& m, int64_t own_prompt, int64_t own_context) {
  m.own_price = own_prompt;
  m.own_context = own_context;
  m.price = m.offers.empty() ? own_prompt : GATEHOUSE_UNKNOWN_INT;
  m.context = own_context;
  for (const OfferKey& o : m.offers) keep_live_keys(m, o);
}

ModelRecord merged_record(std::span<const std::shared_ptr<const ModelRecord>> records) {
  const ModelRecord& first = *records.front();
  ModelRecord merged = first;
  merged.offers.clear();
  merged.grouped = grouped_keys(records);
  merged.price = merged.context = GATEHOUSE_UNKNOWN_INT;
  std::vector<std::pair<const ModelRecord*, const OfferKey*>> all;
  for (const auto& r : records) {
    for (const OfferKey& o : r->offers) all.emplace_back(r.get(), &o);
    if (r->offers.empty()) keep_lowest(merged.price, r->own_price);
    keep_highest(merged.context, r->own_context);
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return cheaper(*a.second, *b.second); });
  if (all.size() > max_offers) all.resize(max_offers);

  std::string& json = merged.json;
  json.assign(first.json, 0, first.offers_begin);
  json.push_back('[');
  for (const auto& [record, offer] : all) {
    if (json.back() != '[') json.push_back(',');
    OfferKey key = *offer;
    key.begin = static_cast<uint32_t>(json.size());
    json.append(record->json, offer->begin, offer->end - offer->begin);
    key.end = static_cast<uint32_t>(json.size());
    keep_live_keys(merged, key);  // only the offers it shows
    merged.offers.push_back(std::move(key));
  }
  json.push_back(']');
  merged.offers_end = static_cast<uint32_t>(json.size());
  json.append(first.json, first.offers_end);
  return merged;
}

}  // namespace gatehouse
