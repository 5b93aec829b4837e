// Hub model records (list items or single-model responses) into catalog models. Every
// field may be missing, null or of a surprising type: that never drops a model. Bytes
// that are not JSON fail with the byte offset.
#pragma once

#include <gatehouse/json_reader.hpp>
#include <gatehouse/json_writer.hpp>
#include <gatehouse/plugin.hpp>

#include <simdjson.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::huggingface {

class HubNormalizer {
 public:
  // site_url prefixes model pages: "https://huggingface.co" -> https://huggingface.co/{id}.
  explicit HubNormalizer(std::string site_url);

  using OnModel = std::function<void(const gatehouse::Model&)>;

  // A list response or an array of single-model responses (a JSON array), or one model
  // (an object). `where` names the source in errors (a URL, or "the sample"). Returns how
  // many models it emitted; records without an id are skipped and counted in `skipped`.
  size_t normalize(std::string_view bytes, std::string_view where, const OnModel& on_model);
  // The same, but the bytes must be a JSON array: what a list page always is.
  size_t normalize_page(std::string_view bytes, std::string_view where, const OnModel& on_model);

  size_t skipped() const { return skipped_; }

 private:
  size_t run(std::string_view bytes, std::string_view where, bool array_only,
             const OnModel& on_model);
  void emit_record(simdjson::ondemand::object record, const OnModel& on_model, size_t& emitted);

  std::string site_url_;
  gatehouse::JsonReader reader_;
  // Reused per record, so normalizing allocates little.
  gatehouse::json::ObjectWriter metrics_;
  std::string url_;
  std::vector<std::string_view> tags_;
  std::string providers_;
  size_t skipped_ = 0;
};

// "2024-11-27T15:50:55.000Z" -> Unix seconds; nullopt unless it is such a UTC/offset time.
std::optional<int64_t> parse_iso8601(std::string_view text);

}  // namespace gatehouse::huggingface
