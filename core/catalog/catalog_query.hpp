// GET /v1/catalog/models parameters: parsed strictly, then run against one catalog.
#pragma once

#include "catalog.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gatehouse {

// A 400 whose message names the parameter and what is allowed.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr size_t max_page_limit = 5000;
inline constexpr size_t max_search_length = 200;

struct ModelQuery {
  std::string gateway = "all";
  std::optional<size_t> limit;  // none = every model from offset on
  size_t offset = 0;
  std::string provider;      // lower-cased; empty = any
  std::string q;             // lower-cased; matched in id and name
  std::string pipeline_tag;  // exact; empty = any
  std::optional<SortKey> sort;
  bool descending = false;

  // The request the full-list body is prepared for: no paging, filter or sort.
  bool is_full_list() const;
  // A stable text of the query, for the response's ETag.
  std::string canonical() const;
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;  // decoded, in order

// Throws BadRequest. Unknown parameters are ignored (clients add cache busters).
ModelQuery parse_model_query(const QueryParams& params);

struct Page {
  std::vector<const ModelRecord*> models;
  size_t total = 0;  // matches before paging
};

Page run_model_query(const Catalog& catalog, const ModelQuery& query);

}  // namespace gatehouse
