#include "catalog/catalog_query.hpp"

#include <algorithm>
#include <numeric>

namespace gatehouse {
namespace {

bool offered_by(const ModelRecord& m, std::string_view gateway) {
  return std::any_of(m.offers.begin(), m.offers.end(),
                     [&](const OfferKey& o) { return o.gateway == gateway; });
}

// Every filter but the search.
bool values_match(const ModelRecord& m, const ModelQuery& q) {
  return (q.provider.empty() || has_provider(m, q.provider)) &&
         (q.pipeline_tag.empty() || has_pipeline_tag(m, q.pipeline_tag)) &&
         (q.offered_by.empty() || offered_by(m, q.offered_by)) &&
         (!q.max_price || (known(m.price) && m.price <= *q.max_price)) &&
         (!q.min_context || (known(m.context) && m.context >= *q.min_context));
}

// Every filter, read from the record alone (its own lower-cased copies, no index).
bool record_matches(const ModelRecord& m, const ModelQuery& q) {
  return values_match(m, q) && (q.q.empty() || search_matches(m, q.q));
}

bool matches(const Catalog& c, uint32_t i, const ModelQuery& q) {
  return (q.q.empty() || c.text().contains(i, q.q)) && values_match(*c.models()[i], q);
}

// The models whose key passes a bound: a prefix of the key's order that puts them first
// (unknown values are last in every order).
std::span<const uint32_t> prefix_of(const Catalog& c, size_t order, auto passes) {
  std::span<const uint32_t> models = c.order_at(order);
  auto end = std::partition_point(models.begin(), models.end(),
                                  [&](uint32_t i) { return passes(*c.models()[i]); });
  return models.first(static_cast<size_t>(end - models.begin()));
}

size_t page_end(const ModelQuery& q, size_t total) {
  return q.limit ? std::min(total, q.offset + *q.limit) : total;
}

// Models already known to match, in the query's order: the page is a slice.
Page slice(const Catalog& c, std::span<const uint32_t> matched, const ModelQuery& q) {
  Page page;
  page.total = matched.size();
  for (size_t i = q.offset; i < page_end(q, page.total); ++i)
    page.models.push_back(c.models()[matched[i]].get());
  return page;
}

// Models in the query's order, some of which match: each is checked, all are counted.
Page walk(const Catalog& c, std::span<const uint32_t> ordered, const ModelQuery& q) {
  Page page;
  size_t end = q.limit ? q.offset + *q.limit : ordered.size();
  for (uint32_t i : ordered) {
    if (!matches(c, i, q)) continue;
    if (page.total >= q.offset && page.total < end) page.models.push_back(c.models()[i].get());
    ++page.total;
  }
  return page;
}

// Matches in upstream order, of which only the page's part is put in the query's order:
// the rest is counted, not sorted.
Page page_of_matches(const Catalog& c, std::vector<uint32_t>& ids, const ModelQuery& q) {
  if (q.sort && q.offset < ids.size()) {
    auto end = ids.begin() + static_cast<ptrdiff_t>(page_end(q, ids.size()));
    std::partial_sort(ids.begin(), end, ids.end(), [&](uint32_t a, uint32_t b) {
      const ModelRecord &x = *c.models()[a], &y = *c.models()[b];
      if (sorts_before(x, y, *q.sort, q.descending)) return true;
      return !sorts_before(y, x, *q.sort, q.descending) && a < b;  // ties: upstream order
    });
  }
  return slice(c, ids, q);
}

// The search's candidates (upstream order), checked.
Page from_candidates(const Catalog& c, TextIndex::Candidates found, const ModelQuery& q) {
  std::vector<uint32_t>& ids = found.models;
  if (!found.exact || q.filter_count() > 1)
    ids.erase(std::remove_if(ids.begin(), ids.end(), [&](uint32_t i) { return !matches(c, i, q); }),
              ids.end());
  return page_of_matches(c, ids, q);
}

// A catalog whose indexes are still being built (just after a restart): every record is
// checked, rather than an I/O thread waiting for the indexes.
Page unindexed(const Catalog& c, const ModelQuery& q) {
  std::vector<uint32_t> ids;
  if (!q.filters() && !q.sort) {
    ids.resize(std::min(c.size(), page_end(q, c.size())));  // the page only: a slice
    std::iota(ids.begin(), ids.end(), 0u);
    Page page = slice(c, ids, q);
    page.total = c.size();
    return page;
  }
  for (uint32_t i = 0; i < c.size(); ++i)
    if (record_matches(*c.models()[i], q)) ids.push_back(i);
  return page_of_matches(c, ids, q);
}

}  // namespace

// The cheapest exact source of the matches: the shortest of the postings of the value
// filters (provider, pipeline tag, offering gateway) in the query's order, the prefix of a
// price or context order that passes its bound, or the search's candidates; each checked
// against the other filters. Only a one-byte search with no other filter looks at every
// model.
Page run_query(const Catalog& catalog, const ModelQuery& query) {
  if (!catalog.indexed()) return unindexed(catalog, query);
  size_t order = order_index(query.sort, query.descending);
  if (!query.filters()) return slice(catalog, catalog.order_at(order), query);

  struct Source {
    std::span<const uint32_t> models;
    bool in_order;  // in the query's order
  };
  std::optional<Source> best;
  auto consider = [&](std::span<const uint32_t> p, bool in_order) {
    if (!best || p.size() < best->models.size()) best = Source{p, in_order};
  };
  if (!query.provider.empty()) consider(catalog.by_provider().find(query.provider, order), true);
  if (!query.pipeline_tag.empty())
    consider(catalog.by_pipeline_tag().find(query.pipeline_tag, order), true);
  if (!query.offered_by.empty())
    consider(catalog.by_offer_gateway().find(query.offered_by, order), true);
  if (query.max_price) {
    size_t cheapest_first = order_index(SortKey::price, false);
    consider(prefix_of(catalog, cheapest_first,
                       [&](const ModelRecord& m) {
                         return known(m.price) && m.price <= *query.max_price;
                       }),
             order == cheapest_first);
  }
  if (query.min_context) {
    size_t largest_first = order_index(SortKey::context_length, true);
    consider(prefix_of(catalog, largest_first,
                       [&](const ModelRecord& m) {
                         return known(m.context) && m.context >= *query.min_context;
                       }),
             order == largest_first);
  }

  std::optional<size_t> search_cost =
      query.q.empty() ? std::nullopt : catalog.text().estimate(query.q);
  if (search_cost && (!best || *search_cost < best->models.size())) {
    SearchCache::Matches found = catalog.search(query.q);
    if (query.filter_count() == 1 && !query.sort) return slice(catalog, *found, query);
    return from_candidates(catalog, {*found, true}, query);
  }
  if (best && best->in_order)
    return query.filter_count() == 1 ? slice(catalog, best->models, query)
                                     : walk(catalog, best->models, query);
  if (best) {  // a bound's prefix in another order: taken as candidates
    TextIndex::Candidates found{{best->models.begin(), best->models.end()}, true};
    std::sort(found.models.begin(), found.models.end());
    return from_candidates(catalog, std::move(found), query);
  }
  return walk(catalog, catalog.order_at(order), query);
}

// Reads only the records, none of the indexes or their copies of the text: so that it can
// be the definition the indexed path is held to.
Page scan_query(const Catalog& catalog, const ModelQuery& query) {
  Page page;
  size_t end = query.limit ? query.offset + *query.limit : catalog.size();
  for (uint32_t i : catalog.order_at(order_index(query.sort, query.descending))) {
    const ModelRecord& m = *catalog.models()[i];
    if (!record_matches(m, query)) continue;
    if (page.total >= query.offset && page.total < end) page.models.push_back(&m);
    ++page.total;
  }
  return page;
}

}  // namespace gatehouse
