// The models envelope of DESIGN.md: {"data", "total", "returned", "offset", "limit",
// "gateway", "has_more", "next_offset", "timestamp", "cache", "gateways"}. "data" comes
// first so that a full list is the catalog's ready array (and its ready deflate) with
// the rest, which depends on the query and the clock, written per request.
#pragma once

#include "catalog/catalog.hpp"
#include "http/body_source.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse {

struct PageShape {
  size_t total = 0;  // after filters, before paging
  size_t returned = 0;
  size_t offset = 0;
  std::optional<size_t> limit;  // none = everything from offset
  std::string_view gateway;     // the slot name, or "all"
};

// How fresh the answer is, and each gateway's part in it: "fresh" or "stale" when its
// models are in it; "fetching", "empty" or "error" when they are not.
struct Freshness {
  int64_t now_ms = 0;
  int64_t fetched_at_ms = 0;  // 0: never fetched (null)
  bool stale = false;
  std::vector<std::pair<std::string, std::string_view>> gateways;
};

// A page of models, written from the records' own JSON (`keep` holds them).
std::unique_ptr<BodySource> page_body(std::shared_ptr<const void> keep,
                                      std::vector<const ModelRecord*> models,
                                      const PageShape& shape, const Freshness& freshness);

// Every model of the catalog, from its records' JSON; gzipped from its ready deflate.
std::unique_ptr<BodySource> full_list_body(std::shared_ptr<const Catalog> catalog,
                                           const PageShape& shape, const Freshness& freshness);
std::unique_ptr<BodySource> full_list_gzip(std::shared_ptr<const Catalog> catalog,
                                           std::shared_ptr<const DeflatedPart> models_json,
                                           const PageShape& shape, const Freshness& freshness);

}  // namespace gatehouse
