#include "catalog/catalog_query.hpp"

namespace gatehouse {
namespace {

bool matches(const ModelRecord& m, const ModelQuery& q) {
  if (!q.provider.empty() && m.lower_provider != q.provider) return false;
  if (!q.pipeline_tag.empty() && m.pipeline_tag != q.pipeline_tag) return false;
  if (!q.q.empty() && m.lower_id.find(q.q) == std::string::npos &&
      m.lower_name.find(q.q) == std::string::npos)
    return false;
  return true;
}

}  // namespace

Page run_query(const Catalog& catalog, const ModelQuery& query) {
  Page page;
  const ModelRecords& models = catalog.models();
  size_t end = query.limit ? query.offset + *query.limit : models.size();
  auto visit = [&](const ModelRecord& m) {
    if (!matches(m, query)) return;
    if (page.total >= query.offset && page.total < end) page.models.push_back(&m);
    ++page.total;
  };
  if (query.sort) {
    for (uint32_t i : catalog.order(*query.sort, query.descending)) visit(*models[i]);
  } else {
    for (const auto& m : models) visit(*m);
  }
  return page;
}

}  // namespace gatehouse
