#include "catalog/catalog_index.hpp"

#include <algorithm>

namespace gatehouse {
namespace {

// Bytes as 6-bit codes: ASCII letters and digits and the punctuation of ids each their own,
// everything else (upper bytes of UTF-8 included) one shared code.
constexpr uint32_t shared_code = 63;

constexpr std::array<uint8_t, 256> make_codes() {
  std::array<uint8_t, 256> codes{};
  for (auto& c : codes) c = shared_code;
  uint8_t next = 1;
  for (char c = 'a'; c <= 'z'; ++c) codes[static_cast<uint8_t>(c)] = next++;
  for (char c = '0'; c <= '9'; ++c) codes[static_cast<uint8_t>(c)] = next++;
  for (char c : {'-', '_', '.', '/', ':', ' '}) codes[static_cast<uint8_t>(c)] = next++;
  return codes;
}
constexpr std::array<uint8_t, 256> codes = make_codes();

uint32_t code(char c) { return codes[static_cast<uint8_t>(c)]; }

// 2-grams take slots [0, 4096), 3-grams the 262,144 after them.
constexpr uint32_t bigram_count = 1u << 12;
constexpr uint32_t gram_count = bigram_count + (1u << 18);

uint32_t bigram(std::string_view t, size_t at) { return code(t[at]) << 6 | code(t[at + 1]); }
uint32_t trigram(std::string_view t, size_t at) {
  return bigram_count + (code(t[at]) << 12 | code(t[at + 1]) << 6 | code(t[at + 2]));
}

// Calls fn(gram) once for each distinct gram of a model's search texts.
template <class Fn>
void each_gram(const ModelRecord& m, uint32_t stamp, std::vector<uint32_t>& stamps, Fn&& fn) {
  auto once = [&](uint32_t gram) {
    if (stamps[gram] == stamp) return;
    stamps[gram] = stamp;
    fn(gram);
  };
  each_search_text(m, [&](std::string_view text) {
    for (size_t at = 0; at + 2 <= text.size(); ++at) once(bigram(text, at));
    for (size_t at = 0; at + 3 <= text.size(); ++at) once(trigram(text, at));
  });
}

// Keeps the items of `small` (ascending) that are also in `large` (ascending): by binary
// search when `large` is much longer, else by one merge-like pass over both.
void intersect(std::vector<uint32_t>& small, std::span<const uint32_t> large) {
  auto from = large.begin();
  auto kept = small.begin();
  bool search = large.size() / 16 > small.size();
  for (uint32_t item : small) {
    if (search)
      from = std::lower_bound(from, large.end(), item);
    else
      while (from != large.end() && *from < item) ++from;
    if (from == large.end()) break;
    if (*from == item) *kept++ = item;
  }
  small.erase(kept, small.end());
}

}  // namespace

void ValuePostings::build(const std::vector<uint32_t>& model_starts,
                          const std::vector<uint32_t>& value_ids, const Orders& orders) {
  starts_.assign(ids_.size() + 1, 0);
  for (uint32_t id : value_ids) ++starts_[id + 1];
  for (size_t v = 1; v < starts_.size(); ++v) starts_[v] += starts_[v - 1];
  for (size_t o = 0; o < order_count; ++o) {
    std::vector<uint32_t> next(starts_.begin(), starts_.end() - 1);
    postings_[o].resize(value_ids.size());
    for (uint32_t model : orders[o])
      for (uint32_t v = model_starts[model]; v < model_starts[model + 1]; ++v)
        postings_[o][next[value_ids[v]]++] = model;
  }
}

std::span<const uint32_t> ValuePostings::find(std::string_view value, size_t order) const {
  auto it = ids_.find(value);
  if (it == ids_.end()) return {};
  uint32_t id = it->second;
  return std::span<const uint32_t>(postings_[order])
      .subspan(starts_[id], starts_[id + 1] - starts_[id]);
}

TextIndex::TextIndex(const ModelRecords& models) : starts_(gram_count + 1, 0) {
  std::vector<uint32_t> stamps(gram_count, 0);
  for (uint32_t i = 0; i < models.size(); ++i)
    each_gram(*models[i], i + 1, stamps, [&](uint32_t gram) { ++starts_[gram + 1]; });
  for (size_t g = 1; g < starts_.size(); ++g) starts_[g] += starts_[g - 1];
  models_.resize(starts_.back());
  std::vector<uint32_t> next(starts_.begin(), starts_.end() - 1);
  std::fill(stamps.begin(), stamps.end(), 0);
  for (uint32_t i = 0; i < models.size(); ++i)
    each_gram(*models[i], i + 1, stamps, [&](uint32_t gram) { models_[next[gram]++] = i; });
  text_starts_.reserve(2 * models.size() + 1);
  model_texts_.reserve(models.size() + 1);
  for (const auto& m : models) {
    model_texts_.push_back(static_cast<uint32_t>(text_starts_.size()));
    each_search_text(*m, [&](std::string_view text) {
      text_starts_.push_back(static_cast<uint32_t>(texts_.size()));
      texts_ += text;
    });
  }
  model_texts_.push_back(static_cast<uint32_t>(text_starts_.size()));
  text_starts_.push_back(static_cast<uint32_t>(texts_.size()));
}

std::vector<uint32_t> TextIndex::grams_of(std::string_view q) const {
  std::vector<uint32_t> grams;
  if (q.size() == 2) grams.push_back(bigram(q, 0));
  for (size_t at = 0; at + 3 <= q.size(); ++at) grams.push_back(trigram(q, at));
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  std::sort(grams.begin(), grams.end(), [this](uint32_t a, uint32_t b) {
    return posting(a).size() < posting(b).size();  // the shortest first: the cheapest start
  });
  return grams;
}

std::span<const uint32_t> TextIndex::posting(uint32_t gram) const {
  return std::span<const uint32_t>(models_).subspan(starts_[gram],
                                                    starts_[gram + 1] - starts_[gram]);
}

std::optional<size_t> TextIndex::estimate(std::string_view q) const {
  if (q.size() < 2) return std::nullopt;
  return posting(grams_of(q).front()).size();
}

std::optional<TextIndex::Candidates> TextIndex::candidates(std::string_view q) const {
  if (q.size() < 2) return std::nullopt;
  std::vector<uint32_t> grams = grams_of(q);
  std::span<const uint32_t> first = posting(grams.front());
  Candidates out{std::vector<uint32_t>(first.begin(), first.end())};
  for (size_t g = 1; g < grams.size() && !out.models.empty(); ++g)
    intersect(out.models, posting(grams[g]));
  // One whole gram of codes no other byte shares: its posting is exactly q's matches.
  out.exact = q.size() <= 3 &&
              std::none_of(q.begin(), q.end(), [](char c) { return code(c) == shared_code; });
  return out;
}

SearchCache::Matches SearchCache::find(std::string_view lower_q) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(std::string(lower_q));
  return it == entries_.end() ? nullptr : it->second;
}

void SearchCache::put(std::string lower_q, Matches matches) const {
  std::lock_guard lock(mutex_);
  if (positions_ + matches->size() > max_positions) {
    entries_.clear();
    positions_ = 0;
  }
  if (matches->size() > max_positions) return;
  positions_ += matches->size();
  entries_.emplace(std::move(lower_q), std::move(matches));
}

}  // namespace gatehouse
