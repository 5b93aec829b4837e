// What makes a query cost O(page + matches) instead of O(catalog): per filter value, the
// models that have it in every order, and a gram index for the substring search. Built
// once with the catalog; positions are 32-bit indexes into its models.
#pragma once

#include "catalog/model_record.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gatehouse {

// A catalog's orders: 0 is upstream order, then each sort key ascending and descending.
inline constexpr size_t order_count = 15;
using Orders = std::array<std::vector<uint32_t>, order_count>;

// For each distinct value (a provider, a pipeline tag, a gateway that offers the model), its
// models in each of the orders.
class ValuePostings {
 public:
  // values_of(i, add) calls add(value) for each of model i's values, each once; views must
  // outlive this (they point into the records).
  template <class ValuesOf>
  ValuePostings(size_t model_count, const Orders& orders, ValuesOf&& values_of);

  // The models that have `value`, in order `order`; empty when none has it.
  std::span<const uint32_t> find(std::string_view value, size_t order) const;

 private:
  // model_starts[i]..model_starts[i + 1]: model i's value ids in value_ids.
  void build(const std::vector<uint32_t>& model_starts, const std::vector<uint32_t>& value_ids,
             const Orders& orders);

  std::unordered_map<std::string_view, uint32_t> ids_;
  std::vector<uint32_t> starts_;  // value id -> first slot; the same in every order
  std::array<std::vector<uint32_t>, order_count> postings_;
};

template <class ValuesOf>
ValuePostings::ValuePostings(size_t model_count, const Orders& orders, ValuesOf&& values_of) {
  std::vector<uint32_t> model_starts{0}, value_ids;
  model_starts.reserve(model_count + 1);
  value_ids.reserve(model_count);
  for (size_t i = 0; i < model_count; ++i) {
    values_of(i, [&](std::string_view value) {
      value_ids.push_back(ids_.emplace(value, static_cast<uint32_t>(ids_.size())).first->second);
    });
    model_starts.push_back(static_cast<uint32_t>(value_ids.size()));
  }
  build(model_starts, value_ids, orders);
}

// Substring search over each model's search texts (each_search_text: lower-cased ids, names
// and canonical ids, a merged entry's of every record): postings of every 2- and 3-byte gram.
// Bytes other than ASCII letters, digits and - _ . / : space share one code, so a gram
// with one of them may list models that lack it; candidates are therefore verified.
class TextIndex {
 public:
  explicit TextIndex(const ModelRecords& models);

  // The models (ascending) that may hold `lower_q` in a search text, and whether each
  // surely does (a whole gram without shared codes); nullopt for a one-byte q, which
  // no gram covers.
  struct Candidates {
    std::vector<uint32_t> models;
    bool exact = false;
  };
  std::optional<Candidates> candidates(std::string_view lower_q) const;

  // The size of the shortest posting among q's grams: what candidates() would cost.
  std::optional<size_t> estimate(std::string_view lower_q) const;

  // Whether one of model `i`'s search texts holds lower_q: the check of a candidate, read
  // from one contiguous copy of every text rather than from the records.
  bool contains(uint32_t i, std::string_view lower_q) const {
    std::string_view all(texts_);
    for (uint32_t t = model_texts_[i]; t < model_texts_[i + 1]; ++t)
      if (all.substr(text_starts_[t], text_starts_[t + 1] - text_starts_[t]).find(lower_q) !=
          std::string_view::npos)
        return true;
    return false;
  }

 private:
  std::vector<uint32_t> grams_of(std::string_view lower_q) const;
  std::span<const uint32_t> posting(uint32_t gram) const;

  std::vector<uint32_t> starts_;  // gram -> first slot in models_
  std::vector<uint32_t> models_;
  std::string texts_;                  // every model's search texts, one after another
  std::vector<uint32_t> text_starts_;  // text t: [text_starts_[t], text_starts_[t + 1])
  std::vector<uint32_t> model_texts_;  // model i: texts [model_texts_[i], model_texts_[i + 1])
};

// The verified matches (ascending) of recent broad searches, so a search asked again costs
// its page, not its candidates. Bounded by the positions it holds; emptied whole when full
// (a catalog lives until the next fetch, and the searches that matter come back). Safe for
// concurrent use.
class SearchCache {
 public:
  using Matches = std::shared_ptr<const std::vector<uint32_t>>;
  static constexpr size_t max_positions = size_t{1} << 20;  // 4 MB

  Matches find(std::string_view lower_q) const;
  void put(std::string lower_q, Matches matches) const;

 private:
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Matches> entries_;
  mutable size_t positions_ = 0;
};

}  // namespace gatehouse
