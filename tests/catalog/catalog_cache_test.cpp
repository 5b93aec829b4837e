// The cache states of DESIGN.md, end to end: fresh, stale-while-revalidate with one
// upstream call, errors keeping the last good catalog, min_models, snapshots, first fetch.
// TTLs and backoffs pass on a manual clock: no test sleeps through one.
#include "catalog/snapshot_store.hpp"
#include "harness/json.hpp"
#include "harness/plugin_run.hpp"
#include "harness/snapshot_seal.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"
#include "support/clock.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::Json;

// A fake upstream: the file the fixture plugin fetches, and its log of fetches. Time is a
// manual clock: a test moves it past a TTL or a backoff instead of sleeping.
struct Upstream {
  test::TempDir dir;
  std::filesystem::path file = dir.path() / "upstream.json";
  std::filesystem::path log = dir.path() / "fetches.log";
  std::filesystem::path cache = dir.path() / "cache";
  std::filesystem::path hold = dir.path() / "hold";  // while it exists, fetches wait
  ManualClock clock{system_clock().now_unix_ms()};

  void serve(const std::string& data_file) {
    std::filesystem::copy_file(test::test_data(data_file), file,
                               std::filesystem::copy_options::overwrite_existing);
  }
  void serve_text(const std::string& text) { std::ofstream(file, std::ios::trunc) << text; }
  void go_down() { std::filesystem::remove(file); }
  void hold_fetches() { std::ofstream(hold) << "hold\n"; }
  void release_fetches() { std::filesystem::remove(hold); }
  size_t fetches() const {
    std::ifstream in(log);
    size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }

  Config config(int64_t ttl_s = 3600, PluginOptions extra = {}) const {
    Config c;
    c.cache.dir = cache;
    c.cache.first_fetch_wait_ms = 2000;
    c.cache.retry_initial_ms = 60000;  // no second try unless the test moves the clock
    extra.emplace_back("log_file", log.string());
    extra.emplace_back("hold_while", hold.string());
    c.gateways.push_back(test::fixture_gateway("hug", file, extra));
    c.gateways.back().ttl_s = ttl_s;
    return c;
  }
  std::unique_ptr<test::TestServer> server(const Config& config) const {
    return std::make_unique<test::TestServer>(config, ServerLimits{}, "", &clock);
  }
};

Json models(const test::TestServer& server) {
  auto r = test::http_get(server.port(), "/v1/catalog/models?gateway=hug");
  EXPECT_EQ(r.status, 200u) << r.body;
  return Json(r.body);
}

Json gateway_status(const test::TestServer& server) {
  return Json(test::http_get(server.port(), "/v1/catalog/gateways").body);
}

template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = 5s) {
  for (auto until = std::chrono::steady_clock::now() + timeout;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(10ms))
    if (done()) return true;
  return done();
}

std::string state_of(const test::TestServer& server) {
  return std::string(std::string_view(gateway_status(server)["data"].at(0)["state"]));
}

// The models once the flight that fetched them is over: a request that comes while a
// flight ends (its catalog already in) starts no second one, so a test that moves the
// clock next waits for that first.
Json settled_models(const test::TestServer& server) {
  Json j = models(server);
  EXPECT_TRUE(eventually([&] { return state_of(server) != "fetching"; }));
  return j;
}

TEST(CatalogCache, FreshCatalogIsServedWithoutRefetching) {
  Upstream up;
  up.serve("hub_list_50.json");
  auto server = up.server(up.config(60));
  EXPECT_EQ(settled_models(*server).ids().size(), 50u);
  up.clock.advance(59s);
  for (int i = 0; i < 20; ++i) models(*server);
  EXPECT_EQ(up.fetches(), 1u) << "within the TTL nothing is fetched again";
  EXPECT_EQ(state_of(*server), "fresh");
  EXPECT_EQ(models(*server).ids().size(), 50u);
}

// A plugin's warning during a fetch that still worked (an enrichment source down, say) is
// shown beside the catalog it came with, which is served as usual.
TEST(CatalogCache, WarningsOfTheFetchInForceAreShown) {
  Upstream up;
  up.serve("hub_list_50.json");
  auto server = up.server(up.config(60, {{"warn", "router: HTTP 503 from http://x/v1/models"}}));
  EXPECT_EQ(settled_models(*server).ids().size(), 50u);
  Json status = gateway_status(*server);
  auto hug = status["data"].at(0);
  ASSERT_EQ(hug["warnings"].get_array().size(), 1u);
  EXPECT_EQ(std::string_view(hug["warnings"].at(0)), "router: HTTP 503 from http://x/v1/models");
  EXPECT_TRUE(hug["last_error"].is_null());
}

TEST(CatalogCache, StaleWhileRevalidateMakesExactlyOneUpstreamCall) {
  Upstream up;
  up.serve("fixture_models.json");
  auto server = up.server(up.config(60));
  ASSERT_EQ(settled_models(*server).ids().size(), 5u);
  up.serve("hub_list_50.json");
  up.hold_fetches();  // the refresh cannot finish until the test lets it
  up.clock.advance(60s);

  // Many concurrent requests: all answered from the stale catalog, none waits.
  std::vector<std::future<test::HttpResult>> inflight;
  for (int i = 0; i < 16; ++i)
    inflight.push_back(std::async(std::launch::async, [&] {
      return test::http_get(server->port(), "/v1/catalog/models?gateway=hug");
    }));
  for (auto& f : inflight) {
    test::HttpResult r = f.get();
    ASSERT_EQ(r.status, 200u);
    Json j(r.body);
    EXPECT_EQ(j.ids().size(), 5u) << "the old catalog, not a wait for the new one";
    EXPECT_TRUE(bool(j["cache"]["stale"]));
    EXPECT_EQ(std::string_view(j["gateways"]["hug"]), "stale");
    EXPECT_EQ(r.header("cache-control"), "public, max-age=0");
  }
  EXPECT_EQ(state_of(*server), "fetching");
  up.release_fetches();
  EXPECT_TRUE(eventually([&] { return models(*server).ids().size() == 50; }));
  EXPECT_EQ(up.fetches(), 2u) << "one first fetch, one refresh";
  EXPECT_FALSE(bool(models(*server)["cache"]["stale"]));
}

TEST(CatalogCache, FailedRefreshKeepsTheLastGoodCatalogAndBacksOff) {
  Upstream up;
  up.serve("fixture_models.json");
  Config config = up.config(60);
  config.cache.retry_initial_ms = 10000;
  auto server = up.server(config);
  ASSERT_EQ(settled_models(*server).ids().size(), 5u);
  up.serve_text("{\"truncated\": [");
  up.clock.advance(60s);
  models(*server);  // triggers the refresh, which fails
  ASSERT_TRUE(eventually([&] { return state_of(*server) == "error"; }));
  EXPECT_EQ(up.fetches(), 2u);
  Json status = gateway_status(*server);
  auto g = status["data"].at(0);
  EXPECT_NE(std::string_view(g["last_error"]).find("fetch failed: PARSE: not a fixture catalog"),
            std::string_view::npos)
      << std::string_view(g["last_error"]);
  EXPECT_EQ(int64_t(g["next_retry_at"]), (up.clock.now_unix_ms() + 10000) / 1000);
  EXPECT_EQ(int64_t(g["models"]), 5);

  Json still(models(*server));
  EXPECT_EQ(still.ids().size(), 5u);
  EXPECT_TRUE(bool(still["cache"]["stale"]));
  up.clock.advance(9900ms);  // still inside the backoff
  for (int i = 0; i < 20; ++i) models(*server);
  EXPECT_EQ(up.fetches(), 2u) << "backoff: no refetch storm while the upstream is broken";
  up.clock.advance(100ms);  // the backoff is over: the next request tries once more
  for (int i = 0; i < 5; ++i) models(*server);
  EXPECT_TRUE(eventually([&] { return up.fetches() == 3 && state_of(*server) == "error"; }));
  EXPECT_EQ(int64_t(gateway_status(*server)["data"].at(0)["next_retry_at"]),
            (up.clock.now_unix_ms() + 20000) / 1000)
      << "the backoff doubles";
  auto metrics = test::http_get(server->port(), "/metrics").body;
  EXPECT_NE(metrics.find("gatehouse_upstream_fetches_total{gateway=\"hug\",outcome=\"error\"} 2"),
            std::string::npos);
  EXPECT_NE(metrics.find("gatehouse_cache_stale_serves_total{gateway=\"hug\"} "),
            std::string::npos);
}

TEST(CatalogCache, BackoffEndsAndTheNextGoodFetchIsServed) {
  Upstream up;
  up.go_down();
  Config config = up.config(60);
  config.cache.retry_initial_ms = 5000;
  config.cache.first_fetch_wait_ms = 0;
  auto server = up.server(config);
  ASSERT_TRUE(eventually([&] { return up.fetches() == 1 && state_of(*server) == "error"; }));
  up.serve("fixture_models.json");
  auto during = test::http_get(server->port(), "/v1/catalog/models?gateway=hug");
  EXPECT_EQ(during.status, 503u) << "no data, and no fetch during the backoff";
  EXPECT_EQ(during.header("retry-after"), "5");
  EXPECT_EQ(up.fetches(), 1u);
  up.clock.advance(5s);
  EXPECT_TRUE(eventually([&] {
    return test::http_get(server->port(), "/v1/catalog/models?gateway=hug").status == 200;
  }));
  EXPECT_EQ(up.fetches(), 2u);
}

TEST(CatalogCache, TooFewModelsIsRejectedAndTheLastGoodKept) {
  Upstream up;
  up.serve("fixture_models.json");
  Config config = up.config(60);
  config.gateways[0].min_models = 3;
  auto server = up.server(config);
  ASSERT_EQ(settled_models(*server).ids().size(), 5u);
  up.serve_text(R"([{"id": "only/one"}])");
  up.clock.advance(60s);
  models(*server);
  ASSERT_TRUE(eventually([&] { return state_of(*server) == "error"; }));
  EXPECT_EQ(std::string_view(gateway_status(*server)["data"].at(0)["last_error"]),
            "fetch returned 1 valid models, fewer than min_models = 3; kept the last good catalog");
  EXPECT_EQ(models(*server).ids().size(), 5u);
}

TEST(CatalogCache, InvalidModelsAreDroppedAndCounted) {
  Upstream up;
  up.serve("fixture_one_invalid.json");
  auto server = up.server(up.config());
  EXPECT_EQ(models(*server).ids(), std::vector<std::string>{"ok/model"});
  EXPECT_NE(test::http_get(server->port(), "/metrics")
                .body.find("gatehouse_models_dropped_total{gateway=\"hug\"} 1\n"),
            std::string::npos);
}

// A fetched catalog is published with its indexes; a restart serves its snapshot before
// they are built (then on a fetch thread), with the same answers.
TEST(CatalogCache, RestartWithoutUpstreamServesTheSnapshotAtOnce) {
  Upstream up;
  up.serve("hub_list_50.json");
  std::vector<std::string> before, searched;
  const std::string search = "/v1/catalog/models?gateway=all&q=in&sort=likes&limit=7&offset=2";
  {
    auto server = up.server(up.config(60));
    before = settled_models(*server).ids();
    EXPECT_TRUE(server->catalogs().gateways()->gateways[0]->catalog()->indexed());
    EXPECT_TRUE(server->catalogs().merged()->indexed());
    searched = Json(test::http_get(server->port(), search).body).ids();
    ASSERT_EQ(searched.size(), 7u);
  }
  ASSERT_TRUE(std::filesystem::exists(snapshot_path(up.cache, "hug")));
  up.go_down();
  up.clock.advance(61s);  // the snapshot is now older than the TTL
  Config config = up.config(60);
  config.cache.first_fetch_wait_ms = 0;  // must not need to wait at all
  auto server = up.server(config);
  Json j = models(*server);
  EXPECT_EQ(j.ids(), before);
  EXPECT_TRUE(bool(j["cache"]["stale"]));
  EXPECT_EQ(int64_t(j["cache"]["age_s"]), 61);
  EXPECT_EQ(Json(test::http_get(server->port(), search).body).ids(), searched);
  EXPECT_TRUE(eventually([&] { return server->catalogs().merged()->indexed(); }));
  EXPECT_EQ(Json(test::http_get(server->port(), search).body).ids(), searched);
}

TEST(CatalogCache, FreshSnapshotIsServedAsFresh) {
  Upstream up;
  up.serve("fixture_models.json");
  {
    auto server = up.server(up.config(60));
    models(*server);
  }
  up.go_down();
  up.clock.advance(59s);
  auto server = up.server(up.config(60));
  Json j = models(*server);
  EXPECT_FALSE(bool(j["cache"]["stale"]));
  EXPECT_EQ(int64_t(j["cache"]["age_s"]), 59);
  EXPECT_EQ(up.fetches(), 1u) << "a fresh snapshot is not fetched again";
}

// Hardening B6: a snapshot time from the future was fresh forever (max-age=315363598);
// INT64_MIN overflowed (ASan aborted at start). Impossible times are expired.
TEST(CatalogCache, ASnapshotWithAnImpossibleTimeIsStaleAndRefetched) {
  for (std::string when : {"4102444800000", "-9223372036854775808", "0"}) {
    Upstream up;
    up.serve("fixture_models.json");
    {
      auto server = up.server(up.config(3600));
      settled_models(*server);
    }
    auto path = snapshot_path(up.cache, "hug");
    std::string bytes = test::read_bytes(path);
    size_t at = bytes.find("\"fetched_at_ms\":") + 16;
    bytes.replace(at, bytes.find(',', at) - at, when);
    std::ofstream(path, std::ios::trunc) << test::resealed(bytes);
    up.go_down();
    Config config = up.config(3600);
    config.cache.first_fetch_wait_ms = 0;
    auto server = up.server(config);
    auto r = test::http_get(server->port(), "/v1/catalog/models?gateway=hug");
    ASSERT_EQ(r.status, 200u) << when << ": the snapshot still serves";
    EXPECT_TRUE(bool(Json(r.body)["cache"]["stale"])) << when;
    EXPECT_EQ(r.header("cache-control"), "public, max-age=0") << when;
    EXPECT_TRUE(eventually([&] { return up.fetches() == 2; })) << when << ": a refetch is tried";
  }
}

// Hardening: a FIFO at the snapshot path hung the start, waiting for a writer.
TEST(CatalogCache, AFifoAtTheSnapshotPathIsIgnoredNotWaitedOn) {
  Upstream up;
  up.serve("fixture_models.json");
  std::filesystem::create_directories(up.cache);
  ASSERT_EQ(mkfifo(snapshot_path(up.cache, "hug").c_str(), 0600), 0);
  auto started = std::chrono::steady_clock::now();
  auto server = up.server(up.config());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(models(*server).ids().size(), 5u);
}

TEST(CatalogCache, CorruptOrTruncatedSnapshotIsIgnored) {
  for (std::string damage :
       {"truncate", "garbage", "other-gateway", "one-digit", "resealed-other-gateway"}) {
    Upstream up;
    up.serve("hub_list_50.json");
    {
      test::TestServer server(up.config());
      models(server);
    }
    auto path = snapshot_path(up.cache, "hug");
    std::string bytes;
    {
      std::ifstream in(path);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    if (damage == "truncate") bytes.resize(bytes.size() / 2);
    if (damage == "garbage") bytes = "\x01\x02 not json";
    if (damage.ends_with("other-gateway")) bytes.replace(bytes.find("\"hug\""), 5, "\"pk\"");
    if (damage.starts_with("resealed")) bytes = test::resealed(bytes);
    // Still valid JSON, still a catalog: only the checksum tells.
    size_t digit = bytes.find("\"fetched_at_ms\":") + 16;
    if (damage == "one-digit") bytes[digit] = bytes[digit] == '1' ? '2' : '1';
    std::ofstream(path, std::ios::trunc) << bytes;
    up.serve("fixture_models.json");
    test::TestServer server(up.config());
    EXPECT_EQ(models(server).ids().size(), 5u) << damage << ": the snapshot must not be used";
  }
}

TEST(CatalogCache, FirstFetchIsAwaitedBrieflyThen503WithRetryAfter) {
  Upstream up;
  up.serve("fixture_models.json");
  {
    test::TestServer slow(up.config(3600, {{"delay_ms", "300"}}));
    EXPECT_EQ(models(slow).ids().size(), 5u) << "waited for the first fetch";
  }
  Upstream down;
  down.go_down();
  Config config = down.config();
  config.cache.first_fetch_wait_ms = 300;
  test::TestServer server(config);
  auto started = std::chrono::steady_clock::now();
  auto r = test::http_get(server.port(), "/v1/catalog/models?gateway=hug");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(r.status, 503u);
  EXPECT_GE(std::stoi(r.header("retry-after")), 1);
  EXPECT_EQ(std::string_view(Json(r.body)["detail"]),
            "gateway 'hug' has no catalog yet; see /v1/catalog/gateways for why");
  EXPECT_EQ(test::http_get(server.port(), "/v1/catalog/models").status, 503u);
  EXPECT_EQ(test::http_get(server.port(), "/healthz").status, 200u);
}

TEST(CatalogCache, ARejectedPluginDisablesOnlyItsGateway) {
  Upstream up;
  up.serve("fixture_models.json");
  Config config = up.config();
  GatewayConfig broken;
  broken.name = "broken";
  broken.plugin = test::test_plugin("bad_abi_major").string();
  config.gateways.push_back(broken);
  test::TestServer server(config);
  EXPECT_EQ(models(server).ids().size(), 5u);
  Json status = gateway_status(server);
  auto b = status["data"].at(1);
  EXPECT_TRUE(b["plugin"].is_null());
  EXPECT_EQ(std::string_view(b["state"]), "error");
  EXPECT_NE(std::string_view(b["last_error"]).find("built for ABI 2.1"), std::string_view::npos);
  EXPECT_EQ(test::http_get(server.port(), "/v1/catalog/models?gateway=broken").status, 503u);
  auto all = test::http_get(server.port(), "/v1/catalog/models");
  Json j(all.body);
  EXPECT_EQ(j.ids().size(), 5u);
  EXPECT_EQ(std::string_view(j["gateways"]["hug"]), "fresh");
  EXPECT_EQ(std::string_view(j["gateways"]["broken"]), "error") << "a partial merge says so";
  EXPECT_EQ(all.header("cache-control"), "public, max-age=0") << "and is not cached";
}

}  // namespace
}  // namespace gatehouse
