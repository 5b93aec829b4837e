#include "catalog/catalog.hpp"

#include "support/content_hash.hpp"
#include "support/json_writer.hpp"

#include <gatehouse/text.hpp>

#include <algorithm>
#include <iterator>
#include <numeric>
#include <tuple>

namespace gatehouse {
namespace {

// Covers everything a response can show: the JSON, the keys that order and filter it,
// and, for a merge, which gateways it holds (one may add only ids others had).
std::string version_of(const ModelRecords& models, const std::vector<CatalogPart>& parts,
                       const std::vector<GroupMember>& members) {
  ContentHash hash;
  auto add_integer = [&](int64_t key) {
    hash.add(std::string_view(reinterpret_cast<const char*>(&key), sizeof key));
  };
  for (const CatalogPart& part : parts) hash.add(part.gateway);
  for (const auto& m : models) {
    hash.add(m->json).add(m->pipeline_tag).add(m->lower_canonical);
    // price and context too: a merged entry's may come from records its JSON does not show
    for (int64_t key : {m->created, m->downloads, m->likes, m->price, m->context}) add_integer(key);
    // and what its filters match of records its JSON does not show
    if (m->grouped)
      for (const auto* list :
           {&m->grouped->texts, &m->grouped->providers, &m->grouped->pipeline_tags})
        for (const std::string& key : *list) hash.add(key);
  }
  for (const GroupMember& member : members) {  // which ids find() answers with which entry
    hash.add(member.record->lower_id);
    add_integer(member.entry);
  }
  return hash.hex();
}

int64_t sort_value(const ModelRecord& m, SortKey key) {
  switch (key) {
    case SortKey::downloads: return m.downloads;
    case SortKey::likes: return m.likes;
    case SortKey::created: return m.created;
    case SortKey::price: return m.price;
    case SortKey::context_length: return m.context;
    default: return 0;
  }
}

// `ascending` read backwards, but with unknown values still last and ties still in upstream
// order: each run of equal keys is put back in its own order.
std::vector<uint32_t> descending_of(const std::vector<uint32_t>& ascending,
                                    const ModelRecords& models, SortKey key) {
  auto known_end = std::find_if(ascending.begin(), ascending.end(), [&](uint32_t i) {
    return key != SortKey::name && key != SortKey::id &&
           sort_value(*models[i], key) == GATEHOUSE_UNKNOWN_INT;
  });
  std::vector<uint32_t> out(std::make_reverse_iterator(known_end), ascending.rend());
  auto tie = [&](uint32_t a, uint32_t b) {
    return !sorts_before(*models[a], *models[b], key, false) &&
           !sorts_before(*models[b], *models[a], key, false);
  };
  for (auto run = out.begin(); run != out.end();) {
    auto end = std::find_if_not(run + 1, out.end(), [&](uint32_t i) { return tie(*run, i); });
    std::reverse(run, end);
    run = end;
  }
  out.insert(out.end(), known_end, ascending.end());
  return out;
}

// Each key ascending by a stable sort; descending derived from it in one pass. Numeric keys
// sort (value, position) pairs, not records through pointers.
Orders orders_of(const ModelRecords& models) {
  Orders orders;
  orders[0].resize(models.size());
  std::iota(orders[0].begin(), orders[0].end(), 0u);
  for (size_t k = 0; k < sort_key_count; ++k) {
    auto key = static_cast<SortKey>(k);
    auto& ascending = orders[order_index(key, false)];
    if (key == SortKey::name || key == SortKey::id) {
      ascending = orders[0];
      std::stable_sort(ascending.begin(), ascending.end(), [&](uint32_t a, uint32_t b) {
        return sorts_before(*models[a], *models[b], key, false);
      });
    } else {
      // (unknown, value, position): unknown values last, ties in upstream order.
      std::vector<std::tuple<bool, int64_t, uint32_t>> keyed(models.size());
      for (uint32_t i = 0; i < models.size(); ++i) {
        int64_t v = sort_value(*models[i], key);
        keyed[i] = {v == GATEHOUSE_UNKNOWN_INT, v, i};
      }
      std::sort(keyed.begin(), keyed.end());
      ascending.resize(models.size());
      for (size_t i = 0; i < keyed.size(); ++i) ascending[i] = std::get<2>(keyed[i]);
    }
    orders[order_index(key, true)] = descending_of(ascending, models, key);
  }
  return orders;
}

size_t json_array_size(const ModelRecords& models) {
  size_t bytes = 2 + (models.empty() ? 0 : models.size() - 1);
  for (const auto& m : models) bytes += m->json.size();
  return bytes;
}

}  // namespace

std::optional<SortKey> parse_sort_key(std::string_view text) {
  for (size_t k = 0; k < sort_key_count; ++k)
    if (sort_key_names[k] == text) return static_cast<SortKey>(k);
  return std::nullopt;
}

bool descending_by_default(SortKey key) {
  return key != SortKey::name && key != SortKey::id && key != SortKey::price;
}

bool sorts_before(const ModelRecord& a, const ModelRecord& b, SortKey key, bool descending) {
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

Catalog::Indexes::Indexes(const ModelRecords& models)
    : orders(orders_of(models)),
      by_provider(models.size(), orders,
                  [&](size_t i, auto add) { each_provider(*models[i], add); }),
      by_pipeline_tag(models.size(), orders,
                      [&](size_t i, auto add) { each_pipeline_tag(*models[i], add); }),
      by_offer_gateway(models.size(), orders,
                       [&](size_t i, auto add) {
                         // Each gateway once; a model has offers of a few gateways at most.
                         std::vector<std::string_view> seen;
                         for (const OfferKey& o : models[i]->offers)
                           if (std::find(seen.begin(), seen.end(), o.gateway) == seen.end()) {
                             seen.push_back(o.gateway);
                             add(o.gateway);
                           }
                       }),
      text(models) {}

// The strongest claim first: an entry's own id (the first model of each lower-cased id is
// kept), then its canonical id, then the records it groups, then the ids its offers are
// asked for by.
Catalog::Built::Built(ModelRecords all, std::vector<GroupMember> grouped)
    : members(std::move(grouped)) {
  by_lower_id.reserve(all.size() + 2 * members.size());
  models.reserve(all.size());
  for (auto& m : all)
    if (by_lower_id.emplace(m->lower_id, static_cast<uint32_t>(models.size())).second)
      models.push_back(std::move(m));
  for (uint32_t i = 0; i < models.size(); ++i) {
    if (models[i]->lower_canonical.empty()) continue;
    auto [it, fresh] = by_lower_id.emplace(models[i]->lower_canonical, i);
    shares_keys = shares_keys || (!fresh && it->second != i);
  }
  for (const GroupMember& m : members) {
    by_lower_id.emplace(m.record->lower_id, m.entry);
    by_lower_id.emplace(m.record->group_key(), m.entry);
  }
  for (uint32_t i = 0; i < models.size(); ++i)
    for (const OfferKey& o : models[i]->offers) by_lower_id.emplace(o.lower_model_id, i);
  models_json_size = json_array_size(models);
}

Catalog::Catalog(ModelRecords models, int64_t fetched_at_ms, std::vector<CatalogPart> parts,
                 std::vector<GroupMember> members)
    : built_(std::make_shared<const Built>(std::move(models), std::move(members))),
      fetched_at_ms_(fetched_at_ms),
      parts_(std::move(parts)),
      version_(version_of(built_->models, parts_, built_->members)) {}

Catalog::Catalog(const Catalog& same, std::vector<CatalogPart> parts)
    : built_(same.built_),
      fetched_at_ms_(same.fetched_at_ms_),
      parts_(std::move(parts)),
      version_([&] {
        ContentHash hash;  // the same models, but another catalog: its parts count too
        hash.add(same.version_);
        for (const CatalogPart& part : parts_) hash.add(part.gateway);
        return hash.hex();
      }()) {}

void Catalog::append_models_json(std::string& out) const {
  out.reserve(out.size() + models_json_size());
  JsonWriter json(out);
  json.begin_array();
  for (const auto& m : models()) json.raw(m->json);
  json.end_array();
}

SearchCache::Matches Catalog::search(std::string_view lower_q) const {
  // Fewer candidates than this are verified again each time: cheaper than keeping them.
  constexpr size_t kept_from = 256;
  const SearchCache& searches = indexes().searches;
  if (SearchCache::Matches kept = searches.find(lower_q)) return kept;
  std::optional<TextIndex::Candidates> found = text().candidates(lower_q);
  if (!found) return nullptr;
  std::vector<uint32_t>& ids = found->models;
  if (!found->exact)
    ids.erase(std::remove_if(ids.begin(), ids.end(),
                             [&](uint32_t i) { return !text().contains(i, lower_q); }),
              ids.end());
  bool keep = found->models.size() >= kept_from;
  auto matches = std::make_shared<const std::vector<uint32_t>>(std::move(ids));
  if (keep) searches.put(std::string(lower_q), matches);
  return matches;
}

std::shared_ptr<const DeflatedPart> Catalog::prepare_deflate() const {
  std::call_once(built_->deflate_once, [this] {
    built_->deflated.store(std::make_shared<const DeflatedPart>(models_json()));
  });
  return built_->deflated.load();
}

std::string Catalog::models_json() const {
  std::string out;
  append_models_json(out);
  return out;
}

const ModelRecord* Catalog::find(std::string_view id) const {
  auto it = built_->by_lower_id.find(ascii_lower(id));
  return it == built_->by_lower_id.end() ? nullptr : models()[it->second].get();
}

std::span<const uint32_t> Catalog::order(SortKey key, bool descending) const {
  return order_at(order_index(key, descending));
}

void Catalog::build_indexes() const {
  std::call_once(built_->indexes_once, [this] {
    built_->indexes = std::make_unique<const Indexes>(built_->models);
    built_->indexes_ready.store(built_->indexes.get(), std::memory_order_release);
  });
}

const Catalog::Indexes& Catalog::indexes() const {
  if (const Indexes* ready = built_->indexes_ready.load(std::memory_order_acquire)) return *ready;
  build_indexes();
  return *built_->indexes;
}

}  // namespace gatehouse
