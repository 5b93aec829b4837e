// Every route, parameter and error of the HTTP API, against the real server on 127.0.0.1.
#include "harness/json.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace gatehouse {
namespace {

using test::http_get;
using test::Json;
using test::test_data;

class HttpApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_dir_ = new test::TempDir;
    Config config;
    config.cache.dir = cache_dir_->path();
    config.gateways.push_back(test::fixture_gateway("hug", test_data("hub_list_50.json")));
    config.gateways.back().aliases = {"huggingface"};
    config.gateways.push_back(test::fixture_gateway("second", test_data("fixture_models.json")));
    server_ = new test::TestServer(config);
    // Both first fetches done (flights over) and merged (the merge follows each swap):
    // every test sees all data. All of "second" is in "hug" too, so the merge holds 50 models.
    auto& catalogs = server_->catalogs();
    while (!catalogs.find("second")->catalog() || !catalogs.merged() ||
           catalogs.merged()->size() != 50 || catalogs.find("hug")->fetching() ||
           catalogs.find("second")->fetching())
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  static void TearDownTestSuite() {
    delete server_;
    delete cache_dir_;
  }
  static test::HttpResult get(const std::string& target, const test::Headers& headers = {}) {
    return http_get(server_->port(), target, headers);
  }
  static void expect_400(const std::string& target, const std::string& detail) {
    auto r = get(target);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(std::string_view(Json(r.body)["detail"].get_string().value()), detail) << target;
  }

  static inline test::TempDir* cache_dir_ = nullptr;
  static inline test::TestServer* server_ = nullptr;
};

TEST_F(HttpApi, FullListOfAGatewayWithTheEnvelope) {
  auto r = get("/v1/catalog/models?gateway=hug");
  ASSERT_EQ(r.status, 200u) << r.body;
  Json j(r.body);
  EXPECT_EQ(j.ids().size(), 50u);
  EXPECT_EQ(j.ids().front(), "Qwen/QwQ-32B-Preview");
  EXPECT_EQ(int64_t(j["total"]), 50);
  EXPECT_EQ(int64_t(j["returned"]), 50);
  EXPECT_EQ(int64_t(j["offset"]), 0);
  EXPECT_TRUE(j["limit"].is_null());
  EXPECT_EQ(std::string_view(j["gateway"]), "hug");
  EXPECT_FALSE(bool(j["has_more"]));
  EXPECT_TRUE(j["next_offset"].is_null());
  EXPECT_GT(int64_t(j["timestamp"]), 1700000000);
  EXPECT_FALSE(bool(j["cache"]["stale"]));
  EXPECT_LE(int64_t(j["cache"]["age_s"]), 5);
  auto first = j["data"].at(0);
  EXPECT_EQ(std::string_view(first["source_gateway"]), "hug");
  EXPECT_EQ(std::string_view(first["name"]), "QwQ 32B Preview");
  EXPECT_EQ(std::string_view(first["architecture"]["modality"]), "text->text");
  EXPECT_NE(r.header("cache-control").find("max-age="), std::string::npos);
}

TEST_F(HttpApi, AliasAndTheOriginalPathServeTheSameCatalog) {
  auto a = Json(get("/v1/catalog/models?gateway=hug").body).ids();
  EXPECT_EQ(Json(get("/v1/models?gateway=huggingface").body).ids(), a);
  EXPECT_EQ(Json(get("/v1/models?gateway=HUG").body).ids(), a);
}

TEST_F(HttpApi, PagesWithLimitAndOffset) {
  Json p1(get("/v1/catalog/models?gateway=hug&limit=20").body);
  EXPECT_EQ(p1.ids().size(), 20u);
  EXPECT_EQ(int64_t(p1["total"]), 50);
  EXPECT_TRUE(bool(p1["has_more"]));
  EXPECT_EQ(int64_t(p1["next_offset"]), 20);
  Json p3(get("/v1/catalog/models?gateway=hug&limit=20&offset=40").body);
  EXPECT_EQ(p3.ids().size(), 10u);
  EXPECT_EQ(int64_t(p3["returned"]), 10);
  EXPECT_FALSE(bool(p3["has_more"]));
  EXPECT_TRUE(p3["next_offset"].is_null());
  // Walking next_offset visits every model once, in order.
  std::vector<std::string> walked;
  for (int64_t offset = 0;;) {
    Json page(get("/v1/catalog/models?gateway=hug&limit=7&offset=" + std::to_string(offset)).body);
    for (auto& id : page.ids()) walked.push_back(id);
    if (page["next_offset"].is_null()) break;
    offset = int64_t(page["next_offset"]);
  }
  EXPECT_EQ(walked, Json(get("/v1/catalog/models?gateway=hug").body).ids());
  Json beyond(get("/v1/catalog/models?gateway=hug&offset=500").body);
  EXPECT_EQ(beyond.ids().size(), 0u);
  EXPECT_EQ(int64_t(beyond["total"]), 50);
  // Hardening B10: limit=0 said has_more with next_offset 0, a loop for whoever followed it.
  Json count_only(get("/v1/catalog/models?gateway=hug&limit=0&offset=10").body);
  EXPECT_EQ(int64_t(count_only["total"]), 50);
  EXPECT_EQ(int64_t(count_only["returned"]), 0);
  EXPECT_FALSE(bool(count_only["has_more"]));
  EXPECT_TRUE(count_only["next_offset"].is_null());
}

TEST_F(HttpApi, FiltersByProviderSearchAndPipelineTag) {
  Json meta(get("/v1/catalog/models?gateway=hug&provider=META-LLAMA").body);
  EXPECT_EQ(int64_t(meta["total"]), 4);
  for (auto& id : meta.ids()) EXPECT_EQ(id.rfind("meta-llama/", 0), 0u) << id;
  Json q(get("/v1/catalog/models?gateway=hug&q=flux").body);
  EXPECT_GE(int64_t(q["total"]), 3);
  for (auto& id : q.ids()) {
    std::string lower = id;
    for (char& c : lower) c = static_cast<char>(std::tolower(c));
    EXPECT_NE(lower.find("flux"), std::string::npos) << id;
  }
  // q also matches the display name, whose separators are spaces.
  EXPECT_EQ(Json(get("/v1/catalog/models?gateway=hug&q=preview%20ABLITERATED").body).ids(),
            std::vector<std::string>{"huihui-ai/QwQ-32B-Preview-abliterated"});
  Json tti(get("/v1/catalog/models?gateway=hug&pipeline_tag=text-to-image&limit=3").body);
  EXPECT_EQ(int64_t(tti["total"]), 14);
  EXPECT_EQ(tti.ids().size(), 3u);
  Json none(get("/v1/catalog/models?gateway=hug&provider=nobody").body);
  EXPECT_EQ(int64_t(none["total"]), 0);
  EXPECT_TRUE(none["next_offset"].is_null());
}

TEST_F(HttpApi, SortsEachWayWithUnknownValuesLast) {
  auto downloads_of = [](const Json& j) {
    std::vector<int64_t> out;
    for (auto m : j.items("data")) out.push_back(int64_t(m["fixture_metrics"]["downloads"]));
    return out;
  };
  Json desc(get("/v1/catalog/models?gateway=hug&sort=downloads").body);
  auto d = downloads_of(desc);
  EXPECT_TRUE(std::is_sorted(d.rbegin(), d.rend()));
  EXPECT_EQ(desc.ids().front(), "meta-llama/Llama-3.1-8B-Instruct");
  auto a = downloads_of(Json(get("/v1/catalog/models?gateway=hug&sort=downloads&order=asc").body));
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  auto by_id = Json(get("/v1/catalog/models?gateway=hug&sort=id").body).ids();
  EXPECT_TRUE(std::is_sorted(by_id.begin(), by_id.end(), [](std::string x, std::string y) {
    for (auto* s : {&x, &y})
      for (char& c : *s) c = static_cast<char>(std::tolower(c));
    return x < y;
  }));
  // fixture_models.json has no "created" on two of five: they end every created sort.
  for (const char* order : {"asc", "desc"}) {
    Json c(get(std::string("/v1/catalog/models?gateway=second&sort=created&order=") + order).body);
    size_t i = 0, unknown_seen = 0;
    for (auto m : c.items("data")) {
      bool unknown = m["created"].is_null();
      if (!unknown) {
        EXPECT_EQ(unknown_seen, 0u) << "a known value after an unknown one";
      }
      unknown_seen += unknown;
      ++i;
    }
    EXPECT_EQ(i, 5u);
  }
}

TEST_F(HttpApi, BadParametersAre400sNamingTheParameter) {
  expect_400("/v1/catalog/models?limit=abc",
             "parameter 'limit' must be a whole number from 0 to 5000, got 'abc'");
  expect_400("/v1/catalog/models?limit=-1",
             "parameter 'limit' must be a whole number from 0 to 5000, got '-1'");
  expect_400("/v1/catalog/models?limit=5001",
             "parameter 'limit' must be a whole number from 0 to 5000, got '5001'");
  expect_400("/v1/catalog/models?offset=1e3",
             "parameter 'offset' must be a whole number from 0 to 1000000000, got '1e3'");
  expect_400("/v1/catalog/models?sort=popularity",
             "parameter 'sort' must be one of downloads, likes, created, name, id, price, "
             "context_length; got 'popularity'");
  expect_400("/v1/catalog/models?max_prompt_price=cheap",
             "parameter 'max_prompt_price' must be a price in USD per token, like 0.000001 or "
             "1e-6, got 'cheap'");
  expect_400("/v1/catalog/models?max_prompt_price=-1",
             "parameter 'max_prompt_price' must be a price in USD per token, like 0.000001 or "
             "1e-6, got '-1'");
  expect_400("/v1/catalog/models?min_context=128k",
             "parameter 'min_context' must be a whole number from 0 to 1000000000000, got "
             "'128k'");
  expect_400("/v1/catalog/models?offered_by=nowhere",
             "parameter 'offered_by' must be one of the gateways (hug, huggingface, second); "
             "got 'nowhere'");
  expect_400("/v1/catalog/models?sort=likes&order=up",
             "parameter 'order' must be asc or desc, got 'up'");
  expect_400("/v1/catalog/models?order=asc", "parameter 'order' needs 'sort'");
  expect_400("/v1/catalog/models?gateway=nope",
             "parameter 'gateway' must be one of hug, huggingface, second, all; got 'nope'");
  expect_400("/v1/catalog/models?limit=1&limit=2", "parameter 'limit' is given more than once");
  expect_400("/v1/catalog/models?q=" + std::string(201, 'a'),
             "parameter 'q' is longer than 200 bytes");
  expect_400("/v1/catalog/models?x=" + std::string(3000, 'a'),
             "query string is longer than 2048 bytes");
  expect_400("/v1/catalog/models/a/b?gateway=nope",
             "parameter 'gateway' must be one of hug, huggingface, second, all; got 'nope'");
}

TEST_F(HttpApi, OneModelByIdWithSlashes) {
  auto r = get("/v1/catalog/models/meta-llama/Llama-3.1-8B-Instruct");
  ASSERT_EQ(r.status, 200u) << r.body;
  Json m(r.body);
  EXPECT_EQ(std::string_view(m["id"]), "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(std::string_view(m["provider_slug"]), "meta-llama");
  EXPECT_EQ(get("/v1/models/META-LLAMA/llama-3.1-8b-instruct").status, 200u);
  EXPECT_EQ(get("/v1/catalog/models/meta-llama%2FLlama-3.1-8B-Instruct").status, 200u);
  EXPECT_EQ(get("/v1/catalog/models/Qwen/QwQ-32B-Preview?gateway=second").status, 200u);
  auto missing = get("/v1/catalog/models/no/such-model");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(std::string_view(Json(missing.body)["detail"]),
            "no model 'no/such-model' in gateway 'all'");
}

TEST_F(HttpApi, UnknownRoutesAndMethods) {
  auto r = get("/v2/models");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(std::string_view(Json(r.body)["detail"]), "no route GET /v2/models");
  auto post = test::http_request(server_->port(), "POST", "/v1/models", {}, "{}");
  EXPECT_EQ(post.status, 405u);
  EXPECT_EQ(post.header("allow"), "GET, HEAD");
  EXPECT_EQ(std::string_view(Json(post.body)["detail"]),
            "method POST is not allowed on /v1/models; use GET, HEAD");
}

TEST_F(HttpApi, ETagAndIfNoneMatch) {
  auto full = get("/v1/catalog/models?gateway=hug");
  std::string etag = full.header("etag");
  ASSERT_EQ(etag.rfind("W/\"", 0), 0u) << etag;
  auto again = get("/v1/catalog/models?gateway=hug", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304u);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(again.header("etag"), etag);
  EXPECT_EQ(get("/v1/catalog/models?gateway=hug", {{"If-None-Match", "\"other\", " + etag}}).status,
            304u);
  EXPECT_EQ(get("/v1/catalog/models?gateway=hug", {{"If-None-Match", "\"other\""}}).status, 200u);
  std::string page_etag = get("/v1/catalog/models?gateway=hug&limit=5").header("etag");
  EXPECT_NE(page_etag, etag);
  EXPECT_EQ(get("/v1/catalog/models?gateway=hug&limit=5", {{"If-None-Match", page_etag}}).status,
            304u);
  std::string model_etag = get("/v1/catalog/models/Qwen/QwQ-32B-Preview").header("etag");
  EXPECT_EQ(get("/v1/catalog/models/Qwen/QwQ-32B-Preview", {{"If-None-Match", model_etag}}).status,
            304u);
}

// Everything but the clock's fields, which may tick between two requests.
std::string without_clock(const std::string& body) {
  return body.substr(0, body.find("\"timestamp\""));
}

TEST_F(HttpApi, GzipWhenTheClientAcceptsIt) {
  for (std::string target : {"/v1/catalog/models?gateway=hug", "/v1/catalog/models?gateway=all",
                             "/v1/catalog/models?gateway=hug&sort=likes&limit=30"}) {
    auto plain = get(target);
    auto zipped = get(target, {{"Accept-Encoding", "gzip, deflate"}});
    EXPECT_EQ(plain.header("content-encoding"), "") << target;
    ASSERT_EQ(zipped.header("content-encoding"), "gzip") << target;
    EXPECT_EQ(zipped.header("vary"), "Accept-Encoding");
    EXPECT_LT(zipped.body.size(), plain.body.size() / 2) << target;
    std::string unzipped = test::gunzip(zipped.body);
    EXPECT_EQ(without_clock(unzipped), without_clock(plain.body)) << target;
    EXPECT_NO_THROW(Json{unzipped});
  }
  for (const char* refusal : {"gzip;q=0", "gzip; q=0.0", "identity, gzip;q=0.000", "nogzip"}) {
    auto refused = get("/v1/catalog/models?gateway=hug", {{"Accept-Encoding", refusal}});
    EXPECT_EQ(refused.header("content-encoding"), "") << refusal;
  }
  auto small = get("/v1/catalog/models/Qwen/QwQ-32B-Preview", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(small.header("content-encoding"), "") << "small bodies are not worth it";
}

TEST_F(HttpApi, AllMergesInConfigOrderFirstGatewayWins) {
  Json all(get("/v1/catalog/models").body);
  EXPECT_EQ(std::string_view(all["gateway"]), "all");
  // fixture_models.json's five models all appear in hub_list_50.json too.
  EXPECT_EQ(int64_t(all["total"]), 50);
  for (auto m : all.items("data")) EXPECT_EQ(std::string_view(m["source_gateway"]), "hug");
  Json second(get("/v1/catalog/models?gateway=second").body);
  EXPECT_EQ(int64_t(second["total"]), 5);
  EXPECT_EQ(std::string_view(second["data"].at(0)["source_gateway"]), "second");
}

TEST_F(HttpApi, GatewaysHealthAndMetrics) {
  Json g(get("/v1/catalog/gateways").body);
  auto hug = g["data"].at(0);
  EXPECT_EQ(std::string_view(hug["name"]), "hug");
  EXPECT_EQ(std::string_view(hug["aliases"].at(0)), "huggingface");
  EXPECT_EQ(std::string_view(hug["plugin"]["name"]), "fixture");
  EXPECT_EQ(std::string_view(hug["plugin"]["version"]), "0.3.0");
  EXPECT_EQ(std::string_view(hug["plugin"]["abi"]), "1.1");
  EXPECT_EQ(int64_t(hug["models"]), 50);
  EXPECT_EQ(int64_t(hug["ttl_s"]), 3600);
  EXPECT_EQ(std::string_view(hug["state"]), "fresh");
  EXPECT_TRUE(hug["last_error"].is_null());
  EXPECT_EQ(hug["warnings"].get_array().size(), 0u);
  EXPECT_TRUE(hug["next_retry_at"].is_null());
  EXPECT_GT(int64_t(hug["fetched_at"]), 1700000000);

  auto health = get("/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body, "{\"status\":\"ok\"}");

  get("/nope");
  auto metrics = get("/metrics");
  EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4");
  for (const char* line :
       {"gatehouse_http_requests_total{route=\"healthz\",status=\"200\"} ",
        "gatehouse_http_requests_total{route=\"unknown\",status=\"404\"} ",
        "gatehouse_http_request_duration_seconds_bucket{le=\"+Inf\"} ",
        "gatehouse_models{gateway=\"hug\"} 50\n", "gatehouse_models{gateway=\"second\"} 5\n",
        "gatehouse_upstream_fetches_total{gateway=\"hug\",outcome=\"ok\"} 1\n",
        "gatehouse_cache_hits_total{gateway=\"hug\"} "})
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;
}

}  // namespace
}  // namespace gatehouse
