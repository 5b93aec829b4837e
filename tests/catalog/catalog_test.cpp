// The immutable catalog and what is prepared with it: orders, lookup, merge, query, snapshot.
#include "catalog/catalog.hpp"
#include "catalog/catalog_query.hpp"
#include "catalog/snapshot_store.hpp"
#include "harness/paths.hpp"
#include "harness/plugin_run.hpp"
#include "harness/snapshot_seal.hpp"
#include "harness/test_client.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

std::shared_ptr<const ModelRecord> record(std::string id, int64_t downloads,
                                          std::string pipeline_tag = "") {
  gatehouse_model m{};
  m.struct_size = sizeof m;
  m.id = {id.data(), id.size()};
  m.created = m.context_length = m.likes = GATEHOUSE_UNKNOWN_INT;
  m.downloads = downloads;
  m.pipeline_tag = {pipeline_tag.empty() ? nullptr : pipeline_tag.data(), pipeline_tag.size()};
  return std::make_shared<const ModelRecord>(make_model_record(m, "hug"));
}

std::vector<std::string> ids_in(const Catalog& c, std::span<const uint32_t> order) {
  std::vector<std::string> out;
  for (uint32_t i : order) out.push_back(c.models()[i]->id);
  return out;
}

const int64_t unknown = GATEHOUSE_UNKNOWN_INT;

TEST(Catalog, OrdersKeepUnknownLastAndTiesInUpstreamOrder) {
  Catalog c({record("a/x", 5), record("b/y", unknown), record("c/z", 9), record("d/w", 5)}, 1);
  EXPECT_EQ(ids_in(c, c.order(SortKey::downloads, true)),
            (std::vector<std::string>{"c/z", "a/x", "d/w", "b/y"}));
  EXPECT_EQ(ids_in(c, c.order(SortKey::downloads, false)),
            (std::vector<std::string>{"a/x", "d/w", "c/z", "b/y"}));
  EXPECT_EQ(ids_in(c, c.order(SortKey::id, true)),
            (std::vector<std::string>{"d/w", "c/z", "b/y", "a/x"}));
}

TEST(Catalog, DuplicateIdsKeepTheFirstAndLookupIgnoresCase) {
  Catalog c({record("Org/Model", 1), record("org/model", 2), record("x/y", 3)}, 1);
  EXPECT_EQ(c.size(), 2u);
  ASSERT_NE(c.find("ORG/MODEL"), nullptr);
  EXPECT_EQ(c.find("org/model")->downloads, 1);
  EXPECT_EQ(c.find("nope/nope"), nullptr);
}

TEST(Catalog, VersionFollowsContent) {
  Catalog a({record("a/x", 1)}, 1), same({record("a/x", 1)}, 99), other({record("a/x", 2)}, 1);
  EXPECT_EQ(a.version(), same.version());
  EXPECT_NE(a.version(), other.version());
}

TEST(Catalog, MergeIsConfigOrderedFirstWinsOldestFetchAndNamesItsParts) {
  auto first =
      std::make_shared<const Catalog>(ModelRecords{record("a/x", 1), record("b/y", 1)}, 2000);
  auto second =
      std::make_shared<const Catalog>(ModelRecords{record("B/Y", 7), record("c/z", 7)}, 1000);
  NamedCatalog gateways[] = {{"hug", first}, {"empty", nullptr}, {"pk", second}};
  auto all = merge_catalogs(gateways);
  EXPECT_EQ(ids_in(*all, all->order(SortKey::name, false)),
            (std::vector<std::string>{"a/x", "b/y", "c/z"}));
  EXPECT_EQ(all->find("b/y")->downloads, 1);
  EXPECT_EQ(all->fetched_at_ms(), 1000);
  ASSERT_EQ(all->parts().size(), 2u) << "a gateway without a catalog is not a part";
  EXPECT_EQ(all->parts()[0].gateway, "hug");
  EXPECT_EQ(all->parts()[1].gateway, "pk");
  EXPECT_EQ(all->parts()[1].fetched_at_ms, 1000);
  NamedCatalog none[] = {{"hug", nullptr}};
  EXPECT_EQ(merge_catalogs(none), nullptr);
}

TEST(Catalog, TheReadyArrayIsEveryModelInUpstreamOrder) {
  Catalog c({record("b/1", 1), record("a/2", 2)}, 1);
  EXPECT_EQ(c.models_json(), "[" + c.models()[0]->json + "," + c.models()[1]->json + "]");
  EXPECT_EQ(c.models_json_deflated(), nullptr) << "made on demand, not with the catalog";
  std::shared_ptr<const DeflatedPart> deflated = c.prepare_deflate();
  EXPECT_EQ(c.prepare_deflate(), deflated) << "once";
  EXPECT_EQ(c.models_json_deflated(), deflated);
  const DeflatedPart* parts[] = {deflated.get()};
  EXPECT_EQ(test::gunzip(gzip_join(parts, "")), c.models_json());
  EXPECT_EQ(Catalog({}, 1).models_json(), "[]");
  EXPECT_EQ(c.models_json_size(), c.models_json().size());
  EXPECT_EQ(Catalog({}, 1).models_json_size(), 2u);
}

TEST(CatalogQuery, FiltersCountBeforePaging) {
  Catalog c({record("a/1", 1, "t"), record("a/2", 2), record("b/3", 3, "t"), record("a/4", 4, "t")},
            1);
  ModelQuery q;
  q.provider = "a";
  q.pipeline_tag = "t";
  q.limit = 1;
  q.offset = 1;
  q.sort = SortKey::downloads;
  q.descending = true;
  Page p = run_query(c, q);
  EXPECT_EQ(p.total, 2u);
  ASSERT_EQ(p.models.size(), 1u);
  EXPECT_EQ(p.models[0]->id, "a/1");
  ModelQuery none;
  none.limit = 0;
  EXPECT_EQ(run_query(c, none).models.size(), 0u);
  EXPECT_EQ(run_query(c, none).total, 4u);
}

TEST(Snapshot, RoundTripsEveryField) {
  test::TempDir dir;
  gatehouse_model m{};
  m.struct_size = sizeof m;
  m.id = {"Org/Model-Ω", 12};
  m.created = 1721000000;
  m.context_length = unknown;
  m.downloads = 5;
  m.likes = unknown;
  m.pipeline_tag = {"text-generation", 15};
  m.metrics_key = {"x_metrics", 9};
  m.metrics_json = {"{\"a\": [1, 2.5]}", 15};
  Catalog c({std::make_shared<const ModelRecord>(make_model_record(m, "hug")), record("b/y", 3)},
            123456789);
  write_snapshot(dir.path(), "hug", c);
  std::optional<Snapshot> s = read_snapshot(dir.path(), "hug");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->fetched_at_ms, 123456789);
  ASSERT_EQ(s->models.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const ModelRecord &a = *c.models()[i], &b = *s->models[i];
    EXPECT_EQ(a.json, b.json);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.lower_id, b.lower_id);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.provider_slug, b.provider_slug);
    EXPECT_EQ(a.pipeline_tag, b.pipeline_tag);
    EXPECT_EQ(a.created, b.created);
    EXPECT_EQ(a.downloads, b.downloads);
    EXPECT_EQ(a.likes, b.likes);
  }
  EXPECT_FALSE(read_snapshot(dir.path(), "other"));
  std::filesystem::copy_file(snapshot_path(dir.path(), "hug"), snapshot_path(dir.path(), "pk"));
  EXPECT_THROW(read_snapshot(dir.path(), "pk"), SnapshotError);
}

// What parse_snapshot says of `bytes`, or "" when it reads them.
std::string refusal(const std::string& bytes) {
  try {
    parse_snapshot(bytes, "hug", "/cache/hug.catalog.json");
    return "";
  } catch (const SnapshotError& e) {
    return e.what();
  }
}

std::string snapshot_bytes(const Catalog& c) {
  test::TempDir dir;
  write_snapshot(dir.path(), "hug", c);
  return test::read_bytes(snapshot_path(dir.path(), "hug"));
}

TEST(Snapshot, ADamagedByteIsCaughtByTheChecksumEvenInValidJson) {
  std::string bytes = snapshot_bytes(Catalog({record("a/x", 1), record("b/y", 3)}, 5));
  ASSERT_EQ(refusal(bytes), "");
  size_t at = bytes.find("\"b/y\"") + 1;
  std::string changed = bytes;
  changed[at] = 'c';  // "c/y": still JSON, still a model
  EXPECT_EQ(refusal(changed),
            "snapshot /cache/hug.catalog.json: damaged or truncated (its checksum does not "
            "match its contents)");
  EXPECT_NE(refusal(bytes.substr(0, bytes.size() - 1)), "") << "a lost last byte";
  EXPECT_NE(refusal(bytes.substr(0, 70)), "") << "cut inside the checksum";
  EXPECT_EQ(refusal(test::resealed(changed)), "") << "the checksum is all that was wrong";
}

// Past 4,096 records, two threads read them: every record comes back in its place, and a
// bad record in the second thread's half is reported like one in the first's.
TEST(Snapshot, ManyRecordsAreReadInOrderByTwoThreads) {
  ModelRecords many;
  for (int i = 0; i < 5000; ++i) many.push_back(record("org/m" + std::to_string(i), i));
  Catalog c(many, 5);
  std::string bytes = snapshot_bytes(c);
  Snapshot s = parse_snapshot(bytes, "hug", "/cache/hug.catalog.json");
  ASSERT_EQ(s.models.size(), 5000u);
  for (size_t i = 0; i < 5000; i += 499) EXPECT_EQ(s.models[i]->json, c.models()[i]->json) << i;
  for (std::string id : {"org/m10", "org/m4500"}) {
    std::string bad = bytes;
    size_t at = bad.find("\"pricing\":", bad.find("\"id\":\"" + id + "\""));
    bad.replace(at, 10, "\"pricing\":7,\"x\":");  // a price that is no object
    EXPECT_NE(refusal(test::resealed(bad)).find("malformed"), std::string::npos) << id;
  }
}

// A version 3 file whose first bytes were reformatted cannot be checked: refused.
TEST(Snapshot, AReformattedVersionThreeIsRefused) {
  std::string bytes = snapshot_bytes(Catalog({record("a/x", 1)}, 5));
  bytes.replace(bytes.find("\"version\":3"), 11, "\"version\": 3");
  EXPECT_NE(refusal(bytes).find("whose first bytes are not as written"), std::string::npos);
}

// A snapshot of the release before checksums is read after an upgrade (validated whole);
// one of before offers is refused with the reason.
TEST(Snapshot, VersionTwoIsStillReadVersionOneIsRefused) {
  Catalog c({record("a/x", 1), record("b/y", 3)}, 5);
  std::string v3 = snapshot_bytes(c);
  size_t checksum = v3.find(",\"checksum\":");
  std::string v2 = v3.substr(0, checksum) + v3.substr(checksum + 30);
  v2.replace(v2.find("\"version\":3"), 11, "\"version\":2");
  ASSERT_TRUE(v2.starts_with(R"({"format":"gatehouse-snapshot","version":2,"gateway":"hug")"));
  Snapshot s = parse_snapshot(v2, "hug", "/cache/hug.catalog.json");
  ASSERT_EQ(s.models.size(), 2u);
  EXPECT_EQ(s.models[1]->json, c.models()[1]->json);
  EXPECT_NE(refusal(v2.substr(0, v2.size() - 5)).find("not valid JSON"), std::string::npos);
  std::string v1 = v2;
  v1.replace(v1.find("\"version\":2"), 11, "\"version\":1");
  EXPECT_NE(refusal(v1).find("not a gatehouse snapshot of format version 2 or 3"),
            std::string::npos);
}

}  // namespace
}  // namespace gatehouse
