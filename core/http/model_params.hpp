// The parameters of GET /v1/catalog/models (and of one model's route), parsed strictly:
// each error names the parameter and what it allows.
#pragma once

#include "catalog/catalog_query.hpp"
#include "http/api_message.hpp"

#include <string>

namespace gatehouse {

inline constexpr size_t max_page_limit = 5000;
inline constexpr size_t max_search_length = 200;
inline constexpr size_t max_offset = 1'000'000'000;
inline constexpr size_t max_context = 1'000'000'000'000;
// The parameters the models route reads (the others are ignored).
inline constexpr std::string_view models_params[] = {
    "gateway",      "limit", "offset",     "provider",         "q",          "sort",
    "pipeline_tag", "order", "offered_by", "max_prompt_price", "min_context"};

struct ModelsRequest {
  std::string gateway = "all";  // lower-cased slot name or alias, or "all"
  ModelQuery query;

  // The request the catalog's ready full-list body answers: no paging, filter or sort.
  bool full_list() const;
  // A stable hash of what was asked (each field apart), for the response's ETag.
  std::string fingerprint() const;
};

// Throws BadRequest. Unknown parameters are ignored (clients add cache busters); a
// repeated one is refused.
ModelsRequest parse_models_request(const QueryParams& params);

}  // namespace gatehouse
