// The indexed query gives exactly the answer of a plain scan (scan_query: every model in
// the query's order, each checked): the same models in the same order and the same total,
// on random filters over the merge of the recorded catalogs (the Hub's 2,817 models, then
// Portkey's, OpenRouter's and DeepInfra's, with their offers). So does the query of a
// catalog whose indexes are not built yet (as just after a restart).
#include "catalog/catalog_query.hpp"
#include "catalog/catalog.hpp"
#include "harness/plugin_run.hpp"

#include <gtest/gtest.h>
#include <gatehouse/text.hpp>

#include <algorithm>
#include <iostream>
#include <numeric>
#include <random>
#include <set>

namespace gatehouse {
namespace {

ModelRecords recorded(const std::string& plugin, const std::string& fixture,
                      PluginOptions options = {}) {
  PluginInstance p(load_plugin(test::built_plugin(plugin)), plugin, std::move(options),
                   HostContext{});
  auto e = test::normalize(p, test::read_bytes(test::fixture(fixture)));
  EXPECT_TRUE(e.result.ok()) << e.result.message;
  ModelRecords out;
  for (auto& m : e.models) out.push_back(std::make_shared<const ModelRecord>(std::move(m)));
  return out;
}

// Each recorded gateway's own catalog, in config order.
const std::vector<NamedCatalog>& gateways() {
  static const std::vector<NamedCatalog> g = [] {
    std::vector<NamedCatalog> out;
    for (auto& [plugin, fixture] : {std::pair{"huggingface", "huggingface/list_2817.json"},
                                    std::pair{"portkey", "portkey/models.json"},
                                    std::pair{"openrouter", "openrouter/models_414.json"}})
      out.emplace_back(plugin, std::make_shared<const Catalog>(recorded(plugin, fixture), 1));
    ModelRecords deepinfra = recorded("openai_compatible", "openai_compatible/deepinfra_154.json",
                                      {{"base_url", "https://api.deepinfra.com"}});
    out.emplace_back("openai_compatible", std::make_shared<const Catalog>(std::move(deepinfra), 1));
    return out;
  }();
  return g;
}

const Catalog& catalog() {
  static const std::shared_ptr<const Catalog> c = [] {
    std::shared_ptr<const Catalog> merged = merge_catalogs(gateways());
    merged->build_indexes();
    return merged;
  }();
  return *c;
}

// The same models in a catalog of their own, whose indexes nothing builds.
const Catalog& unindexed() {
  static const Catalog c(catalog().models(), 1);
  return c;
}

std::vector<std::string> ids(const Page& p) {
  std::vector<std::string> out;
  for (const ModelRecord* m : p.models) out.push_back(m->id);
  return out;
}

void expect_same(const ModelQuery& q) {
  Page indexed = run_query(catalog(), q), plain = scan_query(catalog(), q);
  std::string what = "provider=" + q.provider + " pipeline_tag=" + q.pipeline_tag + " q=" + q.q +
                     " sort=" + (q.sort ? std::string(sort_key_names[size_t(*q.sort)]) : "-") +
                     (q.descending ? " desc" : "") + " offset=" + std::to_string(q.offset) +
                     " offered_by=" + q.offered_by +
                     " max_price=" + (q.max_price ? std::to_string(*q.max_price) : "-") +
                     " min_context=" + (q.min_context ? std::to_string(*q.min_context) : "-") +
                     " limit=" + (q.limit ? std::to_string(*q.limit) : "-");
  ASSERT_EQ(indexed.total, plain.total) << what;
  ASSERT_EQ(ids(indexed), ids(plain)) << what;
  Page before_indexes = run_query(unindexed(), q);
  ASSERT_FALSE(unindexed().indexed()) << "a query must not wait for the indexes";
  ASSERT_EQ(before_indexes.total, plain.total) << what << " (not indexed)";
  ASSERT_EQ(ids(before_indexes), ids(plain)) << what << " (not indexed)";
}

// Values the catalog has (and some it has not): a random query draws from them.
struct Vocabulary {
  std::vector<std::string> providers, tags, texts;
  std::vector<std::string> gateways = {"huggingface", "portkey", "openrouter", "openai_compatible",
                                       "no-such-gateway"};
  std::vector<int64_t> prices = {0, INT64_MAX}, contexts = {0, INT64_MAX};
};

Vocabulary vocabulary(std::mt19937& rng) {
  Vocabulary v{{"no-such-provider"}, {"no-such-tag"}, {"zzzq", "\xc3\xa9", "-", "ü", "/"}};
  for (const auto& m : catalog().models()) {
    if (m->price != GATEHOUSE_UNKNOWN_INT) v.prices.push_back(m->price + int64_t(rng() % 3) - 1);
    if (m->context != GATEHOUSE_UNKNOWN_INT)
      v.contexts.push_back(m->context + int64_t(rng() % 3) - 1);
    // Any record's values of a merged entry, which match it as its own do.
    each_provider(*m, [&](std::string_view p) {
      if (!p.empty()) v.providers.emplace_back(p);
    });
    each_pipeline_tag(*m, [&](std::string_view t) {
      if (!t.empty()) v.tags.emplace_back(t);
    });
    std::vector<std::string_view> texts;
    each_search_text(*m, [&](std::string_view t) { texts.push_back(t); });
    std::string_view text = texts[rng() % texts.size()];
    size_t length = 1 + rng() % 8;
    if (text.size() >= length)
      v.texts.emplace_back(text.substr(rng() % (text.size() - length + 1), length));
  }
  return v;
}

TEST(CatalogQuery, IndexedAnswersEqualAPlainScanOnRandomQueries) {
  std::mt19937 rng(20261127);
  Vocabulary v = vocabulary(rng);
  auto pick = [&](const std::vector<std::string>& from) { return from[rng() % from.size()]; };
  for (int round = 0; round < 4000; ++round) {
    ModelQuery q;
    if (rng() % 3 == 0) q.provider = pick(v.providers);
    if (rng() % 3 == 0) q.pipeline_tag = pick(v.tags);
    if (rng() % 2 == 0) q.q = pick(v.texts);
    if (rng() % 4 == 0) q.offered_by = pick(v.gateways);
    if (rng() % 4 == 0) q.max_price = v.prices[rng() % v.prices.size()];
    if (rng() % 4 == 0) q.min_context = v.contexts[rng() % v.contexts.size()];
    if (rng() % 4 != 0) q.sort = static_cast<SortKey>(rng() % sort_key_count);
    q.descending = rng() % 2;
    q.offset = rng() % 4 == 0 ? rng() % 4000 : rng() % 30;
    if (rng() % 5 != 0) q.limit = rng() % 60;
    expect_same(q);
    if (HasFatalFailure()) return;
  }
}

TEST(CatalogQuery, EdgeCasesEqualAPlainScan) {
  for (std::string text : {"a", "ll", "lla", "llama", "LLAMA", "qwen/", "-7b", "\xff", "", "é"}) {
    for (std::optional<SortKey> sort :
         {std::optional<SortKey>(), std::optional(SortKey::likes), std::optional(SortKey::name)}) {
      ModelQuery q;
      q.q = ascii_lower(text);
      q.sort = sort;
      expect_same(q);
      q.provider = "meta-llama";
      expect_same(q);
      q.pipeline_tag = "text-generation";
      q.limit = 5;
      q.offset = 3;
      expect_same(q);
    }
  }
}

// The orders are built by one sort per key, descending derived from ascending: each must be
// what a stable sort by the key's rule gives (unknown values last, ties in upstream order).
void expect_orders_are_stable_sorts(const Catalog& c) {
  for (size_t k = 0; k < sort_key_count; ++k)
    for (bool descending : {false, true}) {
      std::vector<uint32_t> expected(c.size());
      std::iota(expected.begin(), expected.end(), 0u);
      std::stable_sort(expected.begin(), expected.end(), [&](uint32_t a, uint32_t b) {
        return sorts_before(*c.models()[a], *c.models()[b], static_cast<SortKey>(k), descending);
      });
      auto order = c.order(static_cast<SortKey>(k), descending);
      EXPECT_TRUE(std::equal(order.begin(), order.end(), expected.begin(), expected.end()))
          << sort_key_names[k] << (descending ? " descending" : " ascending");
    }
}

TEST(CatalogQuery, EveryOrderIsTheStableSortOfItsKey) {
  expect_orders_are_stable_sorts(catalog());
  // Hand-made: ties, unknowns and the extremes of int64 among them.
  ModelRecords records;
  const int64_t values[] = {5, GATEHOUSE_UNKNOWN_INT, INT64_MAX, 5, INT64_MIN + 1, 0,
                            5, GATEHOUSE_UNKNOWN_INT, INT64_MAX, -3};
  for (size_t i = 0; i < std::size(values); ++i) {
    std::string id = "o/m" + std::to_string(i);
    gatehouse_model m{};
    m.struct_size = sizeof m;
    m.id = {id.data(), id.size()};
    m.created = m.downloads = values[i];
    m.likes = values[(i + 3) % std::size(values)];
    m.context_length = GATEHOUSE_UNKNOWN_INT;
    records.push_back(std::make_shared<const ModelRecord>(make_model_record(m, "g")));
  }
  expect_orders_are_stable_sorts(Catalog(std::move(records), 1));
}

TEST(CatalogQuery, OfferFiltersAlone) {
  for (std::optional<SortKey> sort :
       {std::optional<SortKey>(), std::optional(SortKey::price),
        std::optional(SortKey::context_length), std::optional(SortKey::likes)})
    for (bool descending : {false, true}) {
      ModelQuery q;
      q.sort = sort;
      q.descending = descending;
      q.limit = 20;
      q.max_price = 100'000'000;  // 1e-7 USD per token
      expect_same(q);
      q.max_price.reset();
      q.min_context = 100'000;
      expect_same(q);
      q.offered_by = "openrouter";
      expect_same(q);
      q.min_context.reset();
      expect_same(q);
    }
}

// A broad search's verified matches are kept and answered again (the random queries above
// hold the answers to the scan with the cache in use); a narrow one is verified each time.
TEST(CatalogQuery, ABroadSearchIsKeptANarrowOneIsNot) {
  SearchCache::Matches broad = catalog().search("llama");
  ASSERT_TRUE(broad);
  EXPECT_GT(broad->size(), 256u);
  EXPECT_EQ(catalog().search("llama"), broad);
  EXPECT_TRUE(std::is_sorted(broad->begin(), broad->end()));
  for (uint32_t i : *broad) EXPECT_TRUE(catalog().text().contains(i, "llama")) << i;
  SearchCache::Matches narrow = catalog().search("qwq-32b");
  ASSERT_TRUE(narrow);
  EXPECT_NE(catalog().search("qwq-32b"), narrow);
  EXPECT_EQ(*catalog().search("qwq-32b"), *narrow);
  EXPECT_EQ(catalog().search("l"), nullptr);
}

TEST(CatalogQuery, TheSearchCacheIsBounded) {
  SearchCache cache;
  auto big = std::make_shared<const std::vector<uint32_t>>(SearchCache::max_positions / 2 + 1, 7u);
  cache.put("a", big);
  EXPECT_EQ(cache.find("a"), big);
  cache.put("b", big);  // over the bound: what was kept goes
  EXPECT_EQ(cache.find("a"), nullptr);
  EXPECT_EQ(cache.find("b"), big);
}

TEST(CatalogQuery, ASearchFindsWhatItShould) {
  ModelQuery q;
  q.q = "llama";
  q.limit = 0;
  Page p = run_query(catalog(), q);
  EXPECT_GT(p.total, 100u);
  EXPECT_TRUE(p.models.empty());
  q.q = "no-model-is-called-this";
  EXPECT_EQ(run_query(catalog(), q).total, 0u);
}

// The merged entries (as find() answers each record's id) of the gateways' records that
// `matches`: what a filter of the merged view must answer, by the rule that an entry
// matches when any of its records does.
std::set<std::string> entries_of(auto matches) {
  std::set<std::string> out;
  for (const auto& [name, gateway] : gateways())
    for (const auto& r : gateway->models())
      if (matches(*r)) out.insert(catalog().find(r->id)->id);
  return out;
}

// The ids of the entries the merged view answers (indexed, and by the plain scan).
std::set<std::string> answer(const ModelQuery& q) {
  Page p = run_query(catalog(), q);
  EXPECT_EQ(p.total, p.models.size());
  std::vector<std::string> found = ids(p);
  EXPECT_EQ(found, ids(scan_query(catalog(), q)));
  return {found.begin(), found.end()};
}

bool holds(std::string_view text, std::string_view q) {
  return text.find(q) != std::string_view::npos;
}

// Every record's own id finds its entry in `all` (as GET /v1/catalog/models/{id} does):
// before, 20 of DeepInfra's ids and 19 of OpenRouter's found nothing, their entry being
// another gateway's record.
TEST(MergedSearch, EveryRecordsOwnIdFindsItsEntry) {
  for (const auto& [name, gateway] : gateways()) {
    size_t found = 0;
    std::vector<std::string> missed;
    for (const auto& r : gateway->models()) {
      ModelQuery q;
      q.q = r->lower_id;
      if (answer(q).contains(catalog().find(r->id)->id))
        ++found;
      else if (missed.size() < 3)
        missed.push_back(r->id);
    }
    EXPECT_EQ(found, gateway->size()) << name << " misses, e.g. " << testing::PrintToString(missed);
    std::cout << name << ": " << found << " of " << gateway->size()
              << " own-id searches find their entry\n";
  }
}

// q, provider and pipeline_tag each match an entry when any of its records' values (its ids,
// names and canonical ids; providers; tags) does.
TEST(MergedSearch, FiltersMatchAnyOfAnEntrysRecords) {
  for (std::string text : {"deepseek-ai/deepseek-v3", "minimaxai/minimax-m2.5", "zai-org/glm-5",
                           "deepseek-ai/deepseek-v3.1", "llama-3.1-8b", "qwen3"}) {
    ModelQuery q;
    q.q = text;
    auto expected = entries_of([&](const ModelRecord& r) {
      return holds(r.lower_id, text) || holds(r.lower_name, text) || holds(r.lower_canonical, text);
    });
    EXPECT_FALSE(expected.empty()) << text;
    EXPECT_EQ(answer(q), expected) << "q=" << text;
  }
  for (std::string provider : {"deepseek-ai", "minimaxai", "zai-org", "meta-llama", "qwen"}) {
    ModelQuery q;
    q.provider = provider;
    auto expected = entries_of([&](const ModelRecord& r) { return r.lower_provider == provider; });
    EXPECT_FALSE(expected.empty()) << provider;
    EXPECT_EQ(answer(q), expected) << "provider=" << provider;
  }
  for (std::string tag : {"text-generation", "image-text-to-text", "feature-extraction"}) {
    ModelQuery q;
    q.pipeline_tag = tag;
    auto expected = entries_of([&](const ModelRecord& r) { return r.pipeline_tag == tag; });
    EXPECT_FALSE(expected.empty()) << tag;
    EXPECT_EQ(answer(q), expected) << "pipeline_tag=" << tag;
  }
}

// DeepInfra alone has 5 models with deepseek-ai/deepseek-v3 in their ids; `all` answered 0.
TEST(MergedSearch, ASearchOfAnotherGatewaysIdFindsEveryEntry) {
  ModelQuery q;
  q.q = "deepseek-ai/deepseek-v3";
  const Catalog& deepinfra = *gateways().back().second;
  Page own = run_query(deepinfra, q);
  ASSERT_EQ(own.total, 5u);
  std::set<std::string> in_all = answer(q);
  for (const ModelRecord* m : own.models)
    EXPECT_TRUE(in_all.contains(catalog().find(m->id)->id)) << m->id;
}

}  // namespace
}  // namespace gatehouse
