// What the router's providers make of a Hub model it serves: one offer per provider, under
// the id that picks that provider at the router ("owner/name:together"); the model's
// context window, the largest of its live providers'; and its price, the cheapest live
// provider's (lowest input price, then lowest output price, then the router's order).
#pragma once

#include "router_catalog.hpp"

#include <gatehouse/plugin.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::huggingface {

class RouterOffers {
 public:
  // Gives m its offers, context_length and prices from `providers` (those the router lists
  // for m.id). m then points into this object and into `providers`: emit it before the next
  // apply, and while `providers` lives.
  void apply(gatehouse::Model& m, const std::vector<RouterProvider>& providers);

 private:
  std::vector<std::string> model_ids_;
  std::vector<gatehouse::Offer> offers_;
};

// The provider that sets a served model's price: the cheapest live one priced both ways;
// nullptr when none is.
const RouterProvider* cheapest_live(const std::vector<RouterProvider>& providers);

// -1, 0 or 1 as decimal text a is below, equal to or above b (both as price::decimal
// writes them: digits, optionally '.' and digits).
int compare_decimal(std::string_view a, std::string_view b);

// huggingface_metrics' inference_providers for a served model, a JSON array: the router's
// providers ({provider, status, supports_tools, supports_structured_output}, null when
// unknown), then those the Hub's inferenceProviderMapping names and the router does not
// (with the Hub's status), so nothing the Hub said is lost.
struct HubProvider {
  std::string_view provider, status;  // status absent (null data) when the Hub gives none
};
void write_inference_providers(const std::vector<RouterProvider>& router,
                               const std::vector<HubProvider>& hub, std::string& out);

}  // namespace gatehouse::huggingface
