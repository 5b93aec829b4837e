#include "catalog_query.hpp"

#include <algorithm>
#include <charconv>

namespace gatehouse {
namespace {

size_t parse_count(const std::string& name, const std::string& text, size_t max) {
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max)
    throw BadRequest("parameter '" + name + "' must be a whole number from 0 to " +
                     std::to_string(max) + ", got '" + text.substr(0, 40) + "'");
  return value;
}

bool matches(const ModelRecord& m, const ModelQuery& q) {
  if (!q.provider.empty() && m.lower_provider != q.provider) return false;
  if (!q.pipeline_tag.empty() && m.pipeline_tag != q.pipeline_tag) return false;
  if (!q.q.empty() && m.lower_id.find(q.q) == std::string::npos &&
      m.lower_name.find(q.q) == std::string::npos)
    return false;
  return true;
}

}  // namespace

bool ModelQuery::is_full_list() const {
  return !limit && offset == 0 && provider.empty() && q.empty() && pipeline_tag.empty() && !sort;
}

std::string ModelQuery::canonical() const {
  std::string out = gateway + "|" + (limit ? std::to_string(*limit) : "-") + "|" +
                    std::to_string(offset) + "|" + provider + "|" + q + "|" + pipeline_tag + "|";
  if (sort) out += std::to_string(static_cast<int>(*sort)) + (descending ? "d" : "a");
  return out;
}

ModelQuery parse_model_query(const QueryParams& params) {
  ModelQuery query;
  std::optional<std::string> order;
  std::vector<std::string> seen;
  for (const auto& [name, value] : params) {
    static const char* const known[] = {"gateway", "limit", "offset",       "provider",
                                        "q",       "sort",  "pipeline_tag", "order"};
    if (std::find(std::begin(known), std::end(known), name) == std::end(known)) continue;
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      throw BadRequest("parameter '" + name + "' is given more than once");
    seen.push_back(name);
    if (name == "gateway") {
      query.gateway = value.empty() ? "all" : ascii_lower(value);
    } else if (name == "limit") {
      query.limit = parse_count(name, value, max_page_limit);
    } else if (name == "offset") {
      query.offset = parse_count(name, value, 1'000'000'000);
    } else if (name == "provider") {
      query.provider = ascii_lower(value);
    } else if (name == "q") {
      if (value.size() > max_search_length)
        throw BadRequest("parameter 'q' is longer than " + std::to_string(max_search_length) +
                         " bytes");
      query.q = ascii_lower(value);
    } else if (name == "pipeline_tag") {
      query.pipeline_tag = value;
    } else if (name == "sort") {
      query.sort = parse_sort_key(value);
      if (!query.sort)
        throw BadRequest(
            "parameter 'sort' must be one of downloads, likes, created, name, id; "
            "got '" +
            value.substr(0, 40) + "'");
    } else if (name == "order") {
      if (value != "asc" && value != "desc")
        throw BadRequest("parameter 'order' must be asc or desc, got '" + value.substr(0, 40) +
                         "'");
      order = value;
    }
  }
  if (order && !query.sort) throw BadRequest("parameter 'order' needs 'sort'");
  if (query.sort) query.descending = order ? *order == "desc" : descending_by_default(*query.sort);
  return query;
}

Page run_model_query(const Catalog& catalog, const ModelQuery& query) {
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
