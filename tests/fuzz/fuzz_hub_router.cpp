// Any bytes as the Inference Providers router's model list, through the Hugging Face
// plugin's router parser; every model it keeps is then served as a Hub model of that id
// would be (offers, price, window, inference_providers) and goes into the host. What the
// caps and the ABI promise is checked: a breach aborts.
#include "fuzz_sink.hpp"
#include "router_catalog.hpp"
#include "router_offers.hpp"

#include <simdjson.h>
#include <gatehouse/price.hpp>

#include <cstdlib>
#include <string>

namespace {

using gatehouse::huggingface::RouterCatalog;
using gatehouse::huggingface::RouterCatalogReader;
using gatehouse::huggingface::RouterProvider;

void check_price(std::string_view price) {
  if (price.data() && !gatehouse::price::is_decimal_text(price)) std::abort();
}

void check(const gatehouse::Model& m, const std::vector<RouterProvider>& providers) {
  if (providers.empty() || providers.size() > RouterCatalogReader::max_providers) std::abort();
  if (m.offers.size() != providers.size()) std::abort();
  check_price(m.pricing_prompt);
  check_price(m.pricing_completion);
  for (const gatehouse::Offer& o : m.offers) {
    if (o.provider.empty() || o.model_id != std::string(m.id) + ":" + std::string(o.provider))
      std::abort();
    check_price(o.pricing_prompt);
    check_price(o.pricing_completion);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static RouterCatalogReader reader;
  static gatehouse::huggingface::RouterOffers offers;
  static gatehouse::fuzz::HostSink host;
  static simdjson::dom::parser parser;
  RouterCatalog catalog;
  try {
    catalog = reader.read(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const gatehouse::Error&) {
    return 0;
  }
  if (catalog.models.size() > RouterCatalogReader::max_models) std::abort();
  std::string providers, metrics;
  for (const auto& [id, list] : catalog.models) {
    providers.clear();
    gatehouse::huggingface::write_inference_providers(list, {}, providers);
    metrics = "{\"inference_providers\":" + providers + "}";
    if (parser.parse(metrics).error()) std::abort();  // the plugin wrote bad JSON
    gatehouse::Model m;
    m.id = id;
    m.canonical_id = id;
    m.metrics_key = "huggingface_metrics";
    m.metrics_json = metrics;
    offers.apply(m, list);
    check(m, list);
    host.sink.emit(m);
  }
  return 0;
}
