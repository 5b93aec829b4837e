// Hub model records (list items or single-model responses) into catalog models. Every
// field may be missing, null or of a surprising type: that never drops a model. Bytes
// that are not JSON fail with the byte offset. Each model's canonical id is its own id; a
// model the Inference Providers router serves also gets the router's offers (router_offers.hpp).
#pragma once

#include "router_catalog.hpp"
#include "router_offers.hpp"

#include <gatehouse/json_reader.hpp>
#include <gatehouse/json_writer.hpp>
#include <gatehouse/plugin.hpp>

#include <simdjson.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::huggingface {

// What one record says, as views into the parser's buffers (valid for this record).
struct HubRecord {
  std::string_view id, model_id, author, pipeline_tag, library_name, created_at, last_modified,
      gate_mode;
  std::optional<int64_t> downloads, likes, num_parameters, gguf_parameters;
  bool gated = false;
  std::optional<bool> is_private;
};

class HubNormalizer {
 public:
  // site_url prefixes model pages: "https://huggingface.co" -> https://huggingface.co/{id}.
  explicit HubNormalizer(std::string site_url);

  using OnModel = std::function<void(const gatehouse::Model&)>;

  // A list response or an array of single-model responses (a JSON array), or one model
  // (an object). `where` names the source in errors (a URL, or "the sample"). Returns how
  // many models it emitted; records without an id are skipped and counted in `skipped`.
  // With `router`, a model it serves gets its offers, window and price; the models then
  // point into `router`.
  size_t normalize(std::string_view bytes, std::string_view where, const OnModel& on_model,
                   const RouterCatalog* router = nullptr);
  // The same, but the bytes must be a JSON array: what a list page always is.
  size_t normalize_page(std::string_view bytes, std::string_view where, const OnModel& on_model,
                        const RouterCatalog* router = nullptr);

  size_t skipped() const { return skipped_; }

 private:
  size_t run(std::string_view bytes, std::string_view where, bool array_only,
             const OnModel& on_model, const RouterCatalog* router);
  void emit_record(simdjson::ondemand::object record, const OnModel& on_model,
                   const RouterCatalog* router, size_t& emitted);
  void read_record(simdjson::ondemand::object record, HubRecord& r);
  const std::string& metrics_of(const HubRecord& r, const std::vector<RouterProvider>* served);

  std::string site_url_;
  gatehouse::JsonReader reader_;
  // Reused per record, so normalizing allocates little.
  gatehouse::json::ObjectWriter metrics_;
  std::string url_;
  std::vector<std::string_view> tags_;
  std::vector<HubProvider> hub_providers_;
  std::string providers_;
  RouterOffers offers_;
  size_t skipped_ = 0;
};

// "2024-11-27T15:50:55.000Z" -> Unix seconds; nullopt unless it is such a UTC/offset time.
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace gatehouse::huggingface
