#include "http/model_params.hpp"

#include "catalog/offers.hpp"
#include "support/content_hash.hpp"

#include <gatehouse/price.hpp>
#include <gatehouse/text.hpp>

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

// USD per token, as decimal text ("0.000001") or with an exponent ("1e-6"). An upper bound,
// so rounded down where prices are rounded up: a model above it never passes.
int64_t parse_price_bound(const std::string& name, const std::string& text) {
  std::optional<std::string> decimal = price::decimal(text);
  std::optional<int64_t> units = decimal ? price_units(*decimal, Rounding::down) : std::nullopt;
  if (!units)
    throw BadRequest("parameter '" + name +
                     "' must be a price in USD per token, like 0.000001 or 1e-6, got '" +
                     text.substr(0, 40) + "'");
  return *units;
}

SortKey parse_sort(const std::string& text) {
  if (std::optional<SortKey> key = parse_sort_key(text)) return *key;
  std::string allowed;
  for (std::string_view name : sort_key_names)
    allowed.append(allowed.empty() ? "" : ", ").append(name);
  throw BadRequest("parameter 'sort' must be one of " + allowed + "; got '" + text.substr(0, 40) +
                   "'");
}

}  // namespace

bool ModelsRequest::full_list() const {
  return !query.limit && query.offset == 0 && !query.filters() && !query.sort;
}

std::string ModelsRequest::fingerprint() const {
  const ModelQuery& q = query;
  ContentHash hash;
  hash.add(gateway).add(q.limit ? std::to_string(*q.limit) : "-").add(std::to_string(q.offset));
  hash.add(q.provider).add(q.q).add(q.pipeline_tag).add(q.offered_by);
  hash.add(q.max_price ? std::to_string(*q.max_price) : "-");
  hash.add(q.min_context ? std::to_string(*q.min_context) : "-");
  if (q.sort) hash.add(sort_key_names[static_cast<size_t>(*q.sort)]).add(q.descending ? "d" : "a");
  return hash.hex();
}

ModelsRequest parse_models_request(const QueryParams& params) {
  ModelsRequest request;
  ModelQuery& query = request.query;
  std::optional<std::string> order;
  std::vector<std::string> seen;
  for (const auto& [name, value] : params) {
    if (std::find(std::begin(models_params), std::end(models_params), name) ==
        std::end(models_params))
      continue;
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      throw BadRequest("parameter '" + name + "' is given more than once");
    seen.push_back(name);
    if (name == "gateway") {
      request.gateway = value.empty() ? "all" : ascii_lower(value);
    } else if (name == "limit") {
      query.limit = parse_count(name, value, max_page_limit);
    } else if (name == "offset") {
      query.offset = parse_count(name, value, max_offset);
    } else if (name == "provider") {
      query.provider = ascii_lower(value);
    } else if (name == "q") {
      if (value.size() > max_search_length)
        throw BadRequest("parameter 'q' is longer than " + std::to_string(max_search_length) +
                         " bytes");
      query.q = ascii_lower(value);
    } else if (name == "pipeline_tag") {
      query.pipeline_tag = value;
    } else if (name == "offered_by") {
      query.offered_by = ascii_lower(value);
    } else if (name == "max_prompt_price") {
      query.max_price = parse_price_bound(name, value);
    } else if (name == "min_context") {
      query.min_context = static_cast<int64_t>(parse_count(name, value, max_context));
    } else if (name == "sort") {
      query.sort = parse_sort(value);
    } else if (name == "order") {
      if (value != "asc" && value != "desc")
        throw BadRequest("parameter 'order' must be asc or desc, got '" + value.substr(0, 40) +
                         "'");
      order = value;
    }
  }
  if (order && !query.sort) throw BadRequest("parameter 'order' needs 'sort'");
  if (query.sort) query.descending = order ? *order == "desc" : descending_by_default(*query.sort);
  return request;
}

}  // namespace gatehouse
