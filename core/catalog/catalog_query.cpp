#include "catalog/catalog_query.hpp"

#include <algorithm>

namespace gatehouse {
namespace {

bool matches(const Catalog& c, uint32_t i, const ModelQuery& q) {
  if (!q.q.empty() && !c.text().contains(i, q.q)) return false;
  if (q.provider.empty() && q.pipeline_tag.empty()) return true;
  const ModelRecord& m = *c.models()[i];
  return (q.provider.empty() || m.lower_provider == q.provider) &&
         (q.pipeline_tag.empty() || m.pipeline_tag == q.pipeline_tag);
}

size_t filter_count(const ModelQuery& q) {
  return !q.provider.empty() + !q.pipeline_tag.empty() + !q.q.empty();
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

// The search's candidates (upstream order) checked, then only the page's part put in the
// query's order: the rest is counted, not sorted.
Page from_candidates(const Catalog& c, TextIndex::Candidates found, const ModelQuery& q) {
  std::vector<uint32_t>& ids = found.models;
  if (!found.exact || filter_count(q) > 1)
    ids.erase(std::remove_if(ids.begin(), ids.end(), [&](uint32_t i) { return !matches(c, i, q); }),
              ids.end());
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

}  // namespace

// The cheapest exact source of the matches: the shortest of the provider's and the
// pipeline tag's postings in the query's order, or the search's candidates; each checked
// against the other filters. Only a one-byte search with no other filter looks at every
// model.
Page run_query(const Catalog& catalog, const ModelQuery& query) {
  size_t order = order_index(query.sort, query.descending);
  if (!query.filters()) return slice(catalog, catalog.order_at(order), query);

  std::optional<std::span<const uint32_t>> posting;
  auto consider = [&](std::span<const uint32_t> p) {
    if (!posting || p.size() < posting->size()) posting = p;
  };
  if (!query.provider.empty()) consider(catalog.by_provider().find(query.provider, order));
  if (!query.pipeline_tag.empty())
    consider(catalog.by_pipeline_tag().find(query.pipeline_tag, order));

  std::optional<size_t> search_cost =
      query.q.empty() ? std::nullopt : catalog.text().estimate(query.q);
  if (search_cost && (!posting || *search_cost < posting->size()))
    return from_candidates(catalog, *catalog.text().candidates(query.q), query);
  if (posting)
    return filter_count(query) == 1 ? slice(catalog, *posting, query)
                                    : walk(catalog, *posting, query);
  return walk(catalog, catalog.order_at(order), query);
}

// Reads only the records, none of the indexes or their copies of the text: so that it can
// be the definition the indexed path is held to.
Page scan_query(const Catalog& catalog, const ModelQuery& query) {
  Page page;
  size_t end = query.limit ? query.offset + *query.limit : catalog.size();
  for (uint32_t i : catalog.order_at(order_index(query.sort, query.descending))) {
    const ModelRecord& m = *catalog.models()[i];
    bool match = (query.provider.empty() || m.lower_provider == query.provider) &&
                 (query.pipeline_tag.empty() || m.pipeline_tag == query.pipeline_tag) &&
                 (query.q.empty() || m.lower_id.find(query.q) != std::string::npos ||
                  m.lower_name.find(query.q) != std::string::npos);
    if (!match) continue;
    if (page.total >= query.offset && page.total < end) page.models.push_back(&m);
    ++page.total;
  }
  return page;
}

}  // namespace gatehouse
