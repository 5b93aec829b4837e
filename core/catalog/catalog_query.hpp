// Filtering, ordering and paging one catalog.
#pragma once

#include "catalog/catalog.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gatehouse {

struct ModelQuery {
  std::optional<size_t> limit;  // none = every model from offset on
  size_t offset = 0;
  std::string provider;      // lower-cased; empty = any
  std::string q;             // lower-cased; matched in id and name
  std::string pipeline_tag;  // exact; empty = any
  std::optional<SortKey> sort;
  bool descending = false;

  bool filters() const { return !provider.empty() || !q.empty() || !pipeline_tag.empty(); }
};

struct Page {
  std::vector<const ModelRecord*> models;
  size_t total = 0;  // matches before paging
};

Page run_query(const Catalog& catalog, const ModelQuery& query);

}  // namespace gatehouse
