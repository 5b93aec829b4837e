// One immutable catalog: a gateway's models (or the merge of all gateways), with what
// serving needs prepared once: an id index, sort orders, the full-list body and its gzip.
// Shared by pointer; never changed after construction, so readers need no lock.
#pragma once

#include "gzip.hpp"
#include "model_record.hpp"

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gatehouse {

enum class SortKey { downloads, likes, created, name, id };
inline constexpr size_t sort_key_count = 5;
std::optional<SortKey> parse_sort_key(std::string_view text);
// downloads, likes and created read best-first (descending); name and id A to Z.
bool descending_by_default(SortKey key);

using ModelRecords = std::vector<std::shared_ptr<const ModelRecord>>;

class Catalog {
 public:
  // `label` is the gateway the full-list envelope names; fetched_at_ms is when its data
  // came from upstream (Unix ms).
  Catalog(ModelRecords models, std::string label, int64_t fetched_at_ms);

  const ModelRecords& models() const { return models_; }
  size_t size() const { return models_.size(); }
  int64_t fetched_at_ms() const { return fetched_at_ms_; }
  const std::string& label() const { return label_; }
  // A hash of every model's JSON: equal catalogs have equal versions across restarts.
  const std::string& version() const { return version_; }

  // Case-insensitive id lookup.
  const ModelRecord* find(std::string_view id) const;

  // Positions into models(), ordered by key; models without a value come last in both
  // directions, and ties keep upstream order.
  std::span<const uint32_t> order(SortKey key, bool descending) const;

  // The full list, ready: envelope head up to the clock-dependent tail, and its gzip.
  const std::string& full_head() const { return full_head_; }
  const GzipHead& full_head_gzip() const { return full_head_gzip_; }

 private:
  ModelRecords models_;
  std::string label_;
  int64_t fetched_at_ms_;
  std::string version_;
  std::unordered_map<std::string_view, uint32_t> by_lower_id_;
  std::array<std::vector<uint32_t>, 2 * sort_key_count> orders_;
  std::string full_head_;
  GzipHead full_head_gzip_;
};

// The `all` catalog: gateways in config order, de-duplicated by lower-cased id, the first
// gateway's model winning. Its fetched_at is the oldest of its parts.
std::shared_ptr<const Catalog> merge_catalogs(
    std::span<const std::shared_ptr<const Catalog>> parts);

}  // namespace gatehouse
