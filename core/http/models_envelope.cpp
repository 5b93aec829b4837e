#include "http/models_envelope.hpp"

#include "support/json_writer.hpp"

#include <algorithm>

namespace gatehouse {
namespace {

constexpr std::string_view data_member = "{\"data\":";

// Everything after "data", closing the envelope.
std::string rest_of_envelope(const PageShape& shape, const Freshness& freshness) {
  // A page that returned nothing (limit=0, or past the end) leads nowhere: a client that
  // follows next_offset must come to an end.
  bool has_more = shape.returned > 0 && shape.offset + shape.returned < shape.total;
  auto count = [](size_t n) { return static_cast<int64_t>(n); };
  std::string out;
  JsonWriter json(out);
  out.push_back(',');  // continues the object "data" opened
  json.key("total").integer(count(shape.total));
  json.key("returned").integer(count(shape.returned));
  json.key("offset").integer(count(shape.offset));
  std::optional<int64_t> limit, next_offset;  // null: no limit; no next page
  if (shape.limit) limit = count(*shape.limit);
  if (has_more) next_offset = count(shape.offset + shape.returned);
  json.key("limit").integer_or_null(limit);
  json.key("gateway").string(shape.gateway);
  json.key("has_more").boolean(has_more);
  json.key("next_offset").integer_or_null(next_offset);
  json.key("timestamp").integer(freshness.now_ms / 1000);
  std::optional<int64_t> fetched_at, age_s;  // null: never fetched
  if (freshness.fetched_at_ms > 0) {
    fetched_at = freshness.fetched_at_ms / 1000;
    age_s = std::max<int64_t>(0, (freshness.now_ms - freshness.fetched_at_ms) / 1000);
  }
  json.key("cache").begin_object();
  json.key("fetched_at").integer_or_null(fetched_at);
  json.key("age_s").integer_or_null(age_s);
  json.key("stale").boolean(freshness.stale);
  json.end_object();
  json.key("gateways").begin_object();
  for (const auto& [name, state] : freshness.gateways) json.key(name).string(state);
  json.end_object();
  json.end_object();
  return out;
}

}  // namespace

std::string page_body(std::span<const ModelRecord* const> models, const PageShape& shape,
                      const Freshness& freshness) {
  size_t bytes = 256;
  for (const ModelRecord* m : models) bytes += m->json.size() + 1;
  std::string out;
  out.reserve(bytes);
  out.append(data_member);
  JsonWriter json(out);
  json.begin_array();
  for (const ModelRecord* m : models) json.raw(m->json);
  json.end_array();
  out.append(rest_of_envelope(shape, freshness));
  return out;
}

std::string full_list_body(const Catalog& catalog, const PageShape& shape,
                           const Freshness& freshness) {
  std::string rest = rest_of_envelope(shape, freshness);
  std::string out;
  out.reserve(data_member.size() + catalog.models_json_size() + rest.size());
  out.append(data_member);
  catalog.append_models_json(out);
  out.append(rest);
  return out;
}

std::string full_list_gzip(const DeflatedPart& models_json, const PageShape& shape,
                           const Freshness& freshness) {
  static const DeflatedPart data_part(data_member);
  const DeflatedPart* parts[] = {&data_part, &models_json};
  return gzip_join(parts, rest_of_envelope(shape, freshness));
}

}  // namespace gatehouse
