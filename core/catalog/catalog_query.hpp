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
  // An entry of several records matches each of these by any record's values.
  std::string provider;                // lower-cased; empty = any
  std::string q;                       // lower-cased; matched in ids, names, canonical ids
  std::string pipeline_tag;            // exact; empty = any
  std::string offered_by;              // a gateway with an offer for the model; empty = any
  std::optional<int64_t> max_price;    // ModelRecord::price at most this (price units)
  std::optional<int64_t> min_context;  // ModelRecord::context at least this (tokens)
  std::optional<SortKey> sort;
  bool descending = false;

  // How many of the filters above are set.
  size_t filter_count() const {
    return !provider.empty() + !q.empty() + !pipeline_tag.empty() + !offered_by.empty() +
           max_price.has_value() + min_context.has_value();
  }
  bool filters() const { return filter_count() > 0; }
};

struct Page {
  std::vector<const ModelRecord*> models;
  size_t total = 0;  // matches before paging
};

// The page and total of `query`, at a cost that grows with the page and the matches, not
// the catalog (see catalog_index.hpp).
Page run_query(const Catalog& catalog, const ModelQuery& query);

// The same answer by looking at every model in the query's order: the definition run_query
// is held to by tests, the query fuzzer and bench_serving.
Page scan_query(const Catalog& catalog, const ModelQuery& query);

}  // namespace gatehouse
