// OpenRouter's model list ({"data": [...], "links": {"next": ...}}) into catalog models, one
// per entry: the 2026 shape (modality lists, canonical_slug, hugging_face_id, tiered
// pricing) and the 2025 one (only `architecture.modality`). A field that is missing, null
// or of a surprising type is left null; it never drops the model.
#pragma once

#include <gatehouse/json_reader.hpp>
#include <gatehouse/json_writer.hpp>
#include <gatehouse/plugin.hpp>

#include <simdjson.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::openrouter {

class OpenRouterNormalizer {
 public:
  // site_url prefixes model pages: "https://openrouter.ai" -> https://openrouter.ai/{id}.
  explicit OpenRouterNormalizer(std::string site_url);

  using OnModel = std::function<void(const gatehouse::Model&)>;

  struct Page {
    size_t models = 0;  // entries emitted
    std::string next;   // links.next as sent (absolute or relative), "" when none
  };

  // `where` names the source in errors (a URL, or "the input"). Throws
  // gatehouse::Error(PARSE) with the byte offset when the bytes are not such a list.
  Page normalize(std::string_view bytes, std::string_view where, const OnModel& on_model);

 private:
  struct Entry;
  void read_entries(simdjson::ondemand::array data, Page& page, const OnModel& on_model);
  void read_entry(simdjson::ondemand::object entry, Entry& e);
  void read_pricing(simdjson::ondemand::value pricing, Entry& e);
  void emit(Entry& e, const OnModel& on_model);

  std::string site_url_;
  gatehouse::JsonReader reader_;
  // Reused per entry, so normalizing allocates little.
  gatehouse::json::ObjectWriter metrics_, top_provider_, prices_;
  std::string overrides_, url_;
};

}  // namespace gatehouse::openrouter
