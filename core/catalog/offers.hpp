// What the catalog reads of offers (ABI 1.1): prices as integers that order exactly as
// their decimal text reads, the order of a model's offers, a model's price and context
// keys, and the merged view's entry for a model several gateways offer.
#pragma once

#include "catalog/model_record.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace gatehouse {

// USD per token as a count of 1e-15 USD (a billionth of a dollar per 1M tokens; the
// smallest real price is 1e-9 per token): equal texts give equal counts and larger prices
// larger ones. Past the 15th place it rounds up, so a price above zero is never free;
// from 9,223 USD per token on it is max_price_units. nullopt when not decimal text.
// Rounded down instead, it is the largest count not above the text: what a bound on prices
// takes, so that no price above the bound passes it.
inline constexpr int64_t max_price_units = INT64_MAX;
enum class Rounding { up, down };
std::optional<int64_t> price_units(std::string_view decimal_text, Rounding rounding = Rounding::up);

// More offers than this in one record, or one merged entry, is an upstream gone wrong: a
// record is refused, a merged entry keeps the cheapest.
inline constexpr size_t max_offers = 256;

// Cheapest first: by prompt price, then completion price, unknown prices last.
bool cheaper(const OfferKey& a, const OfferKey& b);

// Fills m.price and m.context from m.offers and the model's own prompt price and context
// length (GATEHOUSE_UNKNOWN_INT when unknown): an offer counts when it is live; a model
// without offers is its own offer.
void set_offer_keys(ModelRecord& m, int64_t own_prompt, int64_t own_context);

// The merged view's entry for one model that two or more records are (in gateway order):
// the first record's fields, and every record's offers, cheapest first (ties in gateway
// order), at most max_offers. Its keys come from what it shows: the live offers it keeps,
// each record's own context length, and the own price of each record without offers.
ModelRecord merged_record(std::span<const std::shared_ptr<const ModelRecord>> records);

}  // namespace gatehouse
