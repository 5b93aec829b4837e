// The Inference Providers router's model list (GET {router_url}/v1/models) as who serves
// which Hub model: {"data": [{"id": "owner/name", "providers": [{"provider", "status",
// "context_length", "pricing": {"input", "output"}, "supports_tools",
// "supports_structured_output", ...}]}]}, prices in USD per 1M tokens. Any field may be
// missing or of another type: that leaves it unknown. What is kept is capped, so a
// hostile router cannot make the plugin hold much more than a real one does.
#pragma once

#include <gatehouse/json_reader.hpp>

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gatehouse::huggingface {

// One provider of one model. Owned strings: they outlive the parse, until the models
// that point at them are emitted.
struct RouterProvider {
  std::string provider;                                  // e.g. "together"
  std::optional<std::string> status;                     // e.g. "live", "staging"
  std::optional<std::string> price_input, price_output;  // USD per token, decimal text
  std::optional<int64_t> context_length;                 // tokens
  std::optional<bool> supports_tools, supports_structured_output;
};

struct RouterCatalog {
  // Lower-cased model id -> its providers in the router's order; never an empty list.
  std::unordered_map<std::string, std::vector<RouterProvider>> models;
  // Entries not kept: past a cap, without a usable id or provider name, or repeated.
  size_t left_out = 0;

  // The providers of the model `id` (any case), or nullptr when the router lists none.
  const std::vector<RouterProvider>* find(std::string_view id) const;
};

class RouterCatalogReader {
 public:
  // Far above what the real router lists (a few hundred models, a handful of providers each).
  static constexpr size_t max_models = 10000;
  static constexpr size_t max_providers = 64;  // per model
  static constexpr size_t max_provider_name = 64;
  static constexpr size_t max_status = 64;

  // `where` names the source in errors (a URL, or "the input"). Throws
  // gatehouse::Error(GATEHOUSE_ERR_PARSE) when the bytes are not JSON, or not an object
  // whose "data" is an array.
  RouterCatalog read(std::string_view bytes, std::string_view where);

 private:
  void read_models(simdjson::ondemand::array data, RouterCatalog& catalog);
  void read_model(simdjson::ondemand::object item, RouterCatalog& catalog);
  void read_providers(simdjson::ondemand::value list, std::vector<RouterProvider>& out,
                      size_t& left_out);

  gatehouse::JsonReader reader_;
};

}  // namespace gatehouse::huggingface
