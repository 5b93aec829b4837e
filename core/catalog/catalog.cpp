#include "catalog.hpp"

#include "catalog_response.hpp"
#include "content_hash.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_set>

namespace gatehouse {
namespace {

// Keeps the first model of each lower-cased id.
ModelRecords first_of_each_id(ModelRecords models) {
  std::unordered_set<std::string_view> seen;
  ModelRecords out;
  out.reserve(models.size());
  for (auto& m : models)
    if (seen.insert(m->lower_id).second) out.push_back(std::move(m));
  return out;
}

// Covers everything a response can show: the JSON, and the keys that order and filter it.
std::string version_of(const ModelRecords& models) {
  ContentHash hash;
  for (const auto& m : models) {
    hash.add(m->json).add(m->pipeline_tag);
    for (int64_t key : {m->created, m->downloads, m->likes})
      hash.add(std::string_view(reinterpret_cast<const char*>(&key), sizeof key));
  }
  return hash.hex();
}

int64_t sort_value(const ModelRecord& m, SortKey key) {
  switch (key) {
    case SortKey::downloads: return m.downloads;
    case SortKey::likes: return m.likes;
    case SortKey::created: return m.created;
    default: return 0;
  }
}

// Strict "a before b" for one direction, unknown values last either way.
bool before(const ModelRecord& a, const ModelRecord& b, SortKey key, bool descending) {
  if (key == SortKey::name || key == SortKey::id) {
    int c = key == SortKey::name ? a.lower_name.compare(b.lower_name) : 0;
    if (c == 0) c = a.lower_id.compare(b.lower_id);
    return descending ? c > 0 : c < 0;
  }
  int64_t x = sort_value(a, key), y = sort_value(b, key);
  if (x == GATEHOUSE_UNKNOWN_INT || y == GATEHOUSE_UNKNOWN_INT)
    return y == GATEHOUSE_UNKNOWN_INT && x != GATEHOUSE_UNKNOWN_INT;
  return descending ? x > y : x < y;
}

std::string full_head_of(const ModelRecords& models, const std::string& label) {
  std::vector<const ModelRecord*> all;
  all.reserve(models.size());
  for (const auto& m : models) all.push_back(m.get());
  std::string head;
  append_envelope_head(head, all, {models.size(), 0, std::nullopt, label});
  return head;
}

}  // namespace

std::optional<SortKey> parse_sort_key(std::string_view text) {
  constexpr std::pair<std::string_view, SortKey> keys[] = {{"downloads", SortKey::downloads},
                                                           {"likes", SortKey::likes},
                                                           {"created", SortKey::created},
                                                           {"name", SortKey::name},
                                                           {"id", SortKey::id}};
  for (auto [name, key] : keys)
    if (name == text) return key;
  return std::nullopt;
}

bool descending_by_default(SortKey key) { return key != SortKey::name && key != SortKey::id; }

Catalog::Catalog(ModelRecords models, std::string label, int64_t fetched_at_ms)
    : models_(first_of_each_id(std::move(models))),
      label_(std::move(label)),
      fetched_at_ms_(fetched_at_ms),
      version_(version_of(models_)),
      full_head_(full_head_of(models_, label_)),
      full_head_gzip_(full_head_) {
  by_lower_id_.reserve(models_.size());
  for (uint32_t i = 0; i < models_.size(); ++i) by_lower_id_.emplace(models_[i]->lower_id, i);
  for (size_t k = 0; k < sort_key_count; ++k) {
    for (bool descending : {false, true}) {
      auto& order = orders_[2 * k + descending];
      order.resize(models_.size());
      std::iota(order.begin(), order.end(), 0u);
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return before(*models_[a], *models_[b], static_cast<SortKey>(k), descending);
      });
    }
  }
}

const ModelRecord* Catalog::find(std::string_view id) const {
  auto it = by_lower_id_.find(ascii_lower(id));
  return it == by_lower_id_.end() ? nullptr : models_[it->second].get();
}

std::span<const uint32_t> Catalog::order(SortKey key, bool descending) const {
  return orders_[2 * static_cast<size_t>(key) + descending];
}

std::shared_ptr<const Catalog> merge_catalogs(
    std::span<const std::shared_ptr<const Catalog>> parts) {
  ModelRecords all;
  int64_t oldest = 0;
  for (const auto& part : parts) {
    if (!part) continue;
    all.insert(all.end(), part->models().begin(), part->models().end());
    if (oldest == 0 || part->fetched_at_ms() < oldest) oldest = part->fetched_at_ms();
  }
  return std::make_shared<const Catalog>(std::move(all), "all", oldest);
}

}  // namespace gatehouse
