// The models envelope of DESIGN.md: {"data", "total", "returned", "offset", "limit",
// "gateway", "has_more", "next_offset", "timestamp", "cache"}. The head (everything up to
// "timestamp") depends only on the catalog and the query; the tail on the clock.
#pragma once

#include "model_record.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gatehouse {

struct PageShape {
  size_t total = 0;  // after filters, before paging
  size_t offset = 0;
  std::optional<size_t> limit;  // none = everything from offset
  std::string_view gateway;     // the slot name, or "all"
};

// Appends `{"data":[...],...,"next_offset":N,` for the given models.
void append_envelope_head(std::string& out, std::span<const ModelRecord* const> models,
                          const PageShape& shape);

// Appends `"timestamp":T,"cache":{"fetched_at":F,"age_s":A,"stale":S}}`. Times are Unix
// seconds; fetched_at_ms of 0 means the catalog was never fetched (null).
void append_envelope_tail(std::string& out, int64_t now_ms, int64_t fetched_at_ms, bool stale);

}  // namespace gatehouse
