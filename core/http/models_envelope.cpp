#include "catalog_response.hpp"

#include "json_text.hpp"

#include <algorithm>

namespace gatehouse {

void append_envelope_head(std::string& out, std::span<const ModelRecord* const> models,
                          const PageShape& shape) {
  size_t returned = models.size();
  bool has_more = shape.offset + returned < shape.total;
  size_t bytes = 0;
  for (const ModelRecord* m : models) bytes += m->json.size() + 1;
  out.reserve(out.size() + bytes + 256);
  out.append("{\"data\":[");
  for (size_t i = 0; i < models.size(); ++i) out.append(i ? "," : "").append(models[i]->json);
  out.push_back(']');
  out.append(",\"total\":");
  append_json_int(out, static_cast<int64_t>(shape.total));
  out.append(",\"returned\":");
  append_json_int(out, static_cast<int64_t>(returned));
  out.append(",\"offset\":");
  append_json_int(out, static_cast<int64_t>(shape.offset));
  out.append(",\"limit\":");
  if (shape.limit)
    append_json_int(out, static_cast<int64_t>(*shape.limit));
  else
    out.append("null");
  out.append(",\"gateway\":");
  append_json_string(out, shape.gateway);
  out.append(",\"has_more\":").append(has_more ? "true" : "false");
  out.append(",\"next_offset\":");
  if (has_more)
    append_json_int(out, static_cast<int64_t>(shape.offset + returned));
  else
    out.append("null");
  out.push_back(',');
}

void append_envelope_tail(std::string& out, int64_t now_ms, int64_t fetched_at_ms, bool stale) {
  out.append("\"timestamp\":");
  append_json_int(out, now_ms / 1000);
  out.append(",\"cache\":{\"fetched_at\":");
  if (fetched_at_ms > 0) {
    append_json_int(out, fetched_at_ms / 1000);
    out.append(",\"age_s\":");
    append_json_int(out, std::max<int64_t>(0, (now_ms - fetched_at_ms) / 1000));
  } else {
    out.append("null,\"age_s\":null");
  }
  out.append(",\"stale\":").append(stale ? "true" : "false").append("}}");
}

}  // namespace gatehouse
