// One immutable catalog: a gateway's models (or the merge of all gateways), with what
// serving needs prepared once: an id index, sort orders, query indexes, and the deflate of
// the array of every model's JSON. Shared by pointer; never changed after construction, so
// readers need no lock.
#pragma once

#include "catalog/catalog_index.hpp"
#include "catalog/model_record.hpp"
#include "support/gzip.hpp"

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gatehouse {

// price is ModelRecord::price (the cheapest live offer), context_length ModelRecord::context.
enum class SortKey { downloads, likes, created, name, id, price, context_length };
inline constexpr size_t sort_key_count = 7;
// How requests and errors spell them.
inline constexpr std::array<std::string_view, sort_key_count> sort_key_names = {
    "downloads", "likes", "created", "name", "id", "price", "context_length"};
std::optional<SortKey> parse_sort_key(std::string_view text);
// downloads, likes, created and context_length read best-first (descending); name and id A
// to Z; price cheapest first.
bool descending_by_default(SortKey key);

// Which of a catalog's orders a query reads: 0 upstream order, else a key and direction.
inline size_t order_index(std::optional<SortKey> key, bool descending) {
  return key ? 1 + 2 * static_cast<size_t>(*key) + (descending ? 1 : 0) : 0;
}

// Strict "a before b" in one sort key and direction: unknown values last either way, ties
// not decided (the orders keep upstream order among them).
bool sorts_before(const ModelRecord& a, const ModelRecord& b, SortKey key, bool descending);

static_assert(order_count == 1 + 2 * sort_key_count);

// A gateway's catalog inside a merged one.
struct CatalogPart {
  std::string gateway;
  int64_t fetched_at_ms = 0;
};

// In a merged catalog, a gateway's record that the entry at `entry` stands for: find()
// answers its id and canonical id with that entry.
struct GroupMember {
  std::shared_ptr<const ModelRecord> record;
  uint32_t entry = 0;
};

class Catalog {
 public:
  // fetched_at_ms: when the data came from upstream (Unix ms). A merged catalog names the
  // gateways' catalogs it was made of in `parts`, and the records each entry groups in
  // `members`.
  Catalog(ModelRecords models, int64_t fetched_at_ms, std::vector<CatalogPart> parts = {},
          std::vector<GroupMember> members = {});
  // `same`'s models and every index built of them, shared, under `parts`: the merge of one
  // gateway's catalog that grouped nothing costs no second build.
  Catalog(const Catalog& same, std::vector<CatalogPart> parts);

  const ModelRecords& models() const { return built_->models; }
  size_t size() const { return built_->models.size(); }
  int64_t fetched_at_ms() const { return fetched_at_ms_; }
  const std::vector<CatalogPart>& parts() const { return parts_; }
  // A hash of every model's JSON and keys: equal catalogs have equal versions across
  // restarts.
  const std::string& version() const { return version_; }

  // Case-insensitive lookup by id, then by canonical id; in a merged catalog also by any
  // id or canonical id of the records an entry groups; then by an offer's model_id.
  const ModelRecord* find(std::string_view id) const;
  // Whether a model's canonical id is another model's id or canonical id here: the merged
  // view would group them.
  bool shares_keys() const { return built_->shares_keys; }

  // The sort orders and query indexes below are built once, by whichever comes first:
  // build_indexes() (a fetch runs it before publishing; a restart runs it on a fetch thread
  // after publishing the snapshot, so that the first answer need not wait for it) or the
  // first accessor, which waits for it. Until then run_query() answers from the records.
  void build_indexes() const;
  bool indexed() const { return built_->indexes_ready.load(std::memory_order_acquire) != nullptr; }

  // Positions into models(), ordered by key; models without a value come last in both
  // directions, and ties keep upstream order.
  std::span<const uint32_t> order(SortKey key, bool descending) const;
  // The same by order_index(); 0 is upstream order.
  std::span<const uint32_t> order_at(size_t index) const { return indexes().orders[index]; }

  // The indexes queries use: per lower-cased provider, per pipeline tag, per gateway with
  // an offer, and by substring.
  const ValuePostings& by_provider() const { return indexes().by_provider; }
  const ValuePostings& by_pipeline_tag() const { return indexes().by_pipeline_tag; }
  const ValuePostings& by_offer_gateway() const { return indexes().by_offer_gateway; }
  const TextIndex& text() const { return indexes().text; }
  // The models (ascending) with lower_q in a search text (each_search_text), verified; a broad
  // search's answer is kept (SearchCache). Null for a one-byte q, which no gram covers.
  SearchCache::Matches search(std::string_view lower_q) const;

  // `[model,model,...]` in upstream order, the data of a full-list answer: written from
  // each model's own JSON when asked for (no second copy of every model is kept).
  void append_models_json(std::string& out) const;
  std::string models_json() const;
  size_t models_json_size() const { return built_->models_json_size; }
  // Its deflate, made once, by the first prepare_deflate() (the registry runs it on a fetch
  // thread once the catalog is published: at 100k models it takes longer than everything
  // else a catalog is built of); null until then.
  std::shared_ptr<const DeflatedPart> models_json_deflated() const {
    return built_->deflated.load();
  }
  std::shared_ptr<const DeflatedPart> prepare_deflate() const;

 private:
  struct Indexes {
    explicit Indexes(const ModelRecords& models);
    Orders orders;
    ValuePostings by_provider, by_pipeline_tag, by_offer_gateway;
    TextIndex text;
    SearchCache searches;
  };

  // Everything built of the models: what find() and a full list need at once, the indexes
  // once (see build_indexes()).
  struct Built {
    Built(ModelRecords models, std::vector<GroupMember> members);
    ModelRecords models;
    std::vector<GroupMember> members;  // keeps the views of by_lower_id alive
    std::unordered_map<std::string_view, uint32_t> by_lower_id;
    bool shares_keys = false;
    size_t models_json_size = 0;
    mutable std::once_flag indexes_once;
    mutable std::unique_ptr<const Indexes> indexes;
    mutable std::atomic<const Indexes*> indexes_ready{nullptr};
    mutable std::once_flag deflate_once;
    mutable std::atomic<std::shared_ptr<const DeflatedPart>> deflated;
  };

  const Indexes& indexes() const;

  std::shared_ptr<const Built> built_;
  int64_t fetched_at_ms_;
  std::vector<CatalogPart> parts_;
  std::string version_;
};

// A gateway's name and its catalog (null when it has none), for merging.
using NamedCatalog = std::pair<std::string, std::shared_ptr<const Catalog>>;

// The `all` catalog (catalog_merge.cpp): one entry per model, whichever gateways offer it.
// Records are one model when they share a lower-cased id or canonical id, directly or
// through others; the entry has the first record's fields (gateways in config order) and
// every record's offers, and q, provider and pipeline_tag match it by any record's values. Its
// fetched_at is the oldest of its parts; gateways without a catalog are not among its parts. Null
// when no gateway has a catalog.
std::shared_ptr<const Catalog> merge_catalogs(std::span<const NamedCatalog> gateways);

}  // namespace gatehouse
