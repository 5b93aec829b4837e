// The web routes (the page, /docs, /openapi.json, the assets) against the real server, and
// the OpenAPI document against the route table and the limits the server enforces.
#include "harness/json.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"
#include "http/api.hpp"
#include "http/model_params.hpp"
#include "support/gzip.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

namespace gatehouse {
namespace {

using test::http_get;
using test::http_request;
using test::Json;

class WebRoutes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_dir_ = new test::TempDir;
    Config config;
    config.cache.dir = cache_dir_->path();
    config.gateways.push_back(test::fixture_gateway("hug", test::test_data("fixture_models.json")));
    config.gateways.push_back(test::fixture_gateway("odd", test::test_data("odd_ids.json")));
    server_ = new test::TestServer(config);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete cache_dir_;
  }
  static test::HttpResult get(const std::string& target, const test::Headers& headers = {}) {
    return http_get(server_->port(), target, headers);
  }
  // The document as served, parsed.
  static const Json& openapi() {
    static const Json document(get("/openapi.json").body);
    return document;
  }

  static inline test::TempDir* cache_dir_ = nullptr;
  static inline test::TestServer* server_ = nullptr;
};

TEST_F(WebRoutes, ThePageLoadsOnlyVersionedAssetsOfThisServer) {
  auto page = get("/");
  ASSERT_EQ(page.status, 200u);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<title>Gatehouse catalog</title>"), std::string::npos);
  EXPECT_EQ(page.header("cache-control"), "no-cache");
  EXPECT_NE(page.header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page.header("x-content-type-options"), "nosniff");
  // Every script and style is ours, under a versioned URL that may be cached for good.
  std::regex link(R"re((src|href)="(/assets/[^"]+)")re");
  size_t assets = 0;
  for (std::sregex_iterator it(page.body.begin(), page.body.end(), link), end; it != end; ++it) {
    std::string url = (*it)[2];
    EXPECT_NE(url.find("?v="), std::string::npos) << url;
    auto asset = get(url);
    EXPECT_EQ(asset.status, 200u) << url;
    EXPECT_EQ(asset.header("cache-control"), "public, max-age=31536000, immutable") << url;
    ++assets;
  }
  EXPECT_EQ(assets, 2u);
  EXPECT_EQ(page.body.find("http://"), std::string::npos) << "nothing may load from elsewhere";
  EXPECT_EQ(page.body.find("https://"), std::string::npos) << "nothing may load from elsewhere";
}

TEST_F(WebRoutes, AnAssetWithoutItsVersionIsRevalidated) {
  auto script = get("/assets/app.js");
  ASSERT_EQ(script.status, 200u);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.header("cache-control"), "no-cache");
  EXPECT_EQ(get("/assets/app.js?v=0000").header("cache-control"), "no-cache");
  auto missing = get("/assets/nothing.js");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(std::string_view(Json(missing.body)["detail"]), "no asset '/assets/nothing.js'");
  EXPECT_EQ(get("/assets/").status, 404u);
  EXPECT_EQ(get("/assets/app.js/x").status, 404u);
}

TEST_F(WebRoutes, ETagGivesA304AndGzipTheSameBytes) {
  for (std::string path : {"/", "/docs", "/openapi.json", "/assets/app.js", "/assets/style.css"}) {
    auto plain = get(path);
    ASSERT_EQ(plain.status, 200u) << path;
    std::string etag = plain.header("etag");
    ASSERT_FALSE(etag.empty()) << path;
    auto again = get(path, {{"If-None-Match", etag}});
    EXPECT_EQ(again.status, 304u) << path;
    EXPECT_TRUE(again.body.empty()) << path;
    EXPECT_FALSE(again.headers.contains("content-length"))
        << path << ": a 304's would be the 200's";
    EXPECT_EQ(get(path, {{"If-None-Match", "\"other\""}}).status, 200u) << path;
    auto zipped = get(path, {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(zipped.header("content-encoding"), "gzip") << path;
    EXPECT_EQ(zipped.header("vary"), "Accept-Encoding") << path;
    std::string unzipped;
    ASSERT_TRUE(gunzip(zipped.body, 1 << 22, unzipped)) << path;
    EXPECT_EQ(unzipped, plain.body) << path;
    EXPECT_LT(zipped.body.size(), plain.body.size()) << path;
    auto head = http_request(server_->port(), "HEAD", path);
    EXPECT_EQ(head.status, 200u) << path;
    EXPECT_EQ(head.header("content-length"), std::to_string(plain.body.size())) << path;
    EXPECT_TRUE(head.body.empty()) << path;
  }
  EXPECT_EQ(http_request(server_->port(), "POST", "/").status, 405u);
}

// A cache keeps the plain and the gzipped body apart only if their strong ETags differ
// (RFC 9110 8.8.3: a strong ETag names one representation's bytes).
TEST_F(WebRoutes, ThePlainAndTheGzippedBodyHaveTheirOwnStrongETag) {
  for (std::string path : {"/", "/docs", "/openapi.json", "/assets/app.js", "/assets/style.css"}) {
    std::string plain = get(path).header("etag");
    auto zipped = get(path, {{"Accept-Encoding", "gzip"}});
    ASSERT_EQ(zipped.header("content-encoding"), "gzip") << path;
    std::string gzipped = zipped.header("etag");
    EXPECT_NE(plain, gzipped) << path;
    EXPECT_FALSE(plain.starts_with("W/")) << path;
    EXPECT_FALSE(gzipped.starts_with("W/")) << path;
    // Each revalidates its own body; the other's ETag is not this body's.
    auto same_plain = get(path, {{"If-None-Match", plain}});
    EXPECT_EQ(same_plain.status, 304u) << path;
    EXPECT_EQ(same_plain.header("etag"), plain) << path;
    auto same_gzipped = get(path, {{"If-None-Match", gzipped}, {"Accept-Encoding", "gzip"}});
    EXPECT_EQ(same_gzipped.status, 304u) << path;
    EXPECT_EQ(same_gzipped.header("etag"), gzipped) << path;
    auto gzipped_etag_plain_body = get(path, {{"If-None-Match", gzipped}});
    EXPECT_EQ(gzipped_etag_plain_body.status, 200u) << path;
    EXPECT_EQ(gzipped_etag_plain_body.header("etag"), plain) << path;
    EXPECT_EQ(get(path, {{"If-None-Match", plain}, {"Accept-Encoding", "gzip"}}).status, 200u)
        << path;
    // A cache holding both asks with both.
    EXPECT_EQ(
        get(path, {{"If-None-Match", plain + ", " + gzipped}, {"Accept-Encoding", "gzip"}}).status,
        304u)
        << path;
  }
}

// The web routes read no query but ?v=: a query longer than the API's limit (a page's
// state from a hand-made or an older URL) still gets the page, which trims its state.
TEST_F(WebRoutes, ThePageIsServedWhateverTheQueryLength) {
  std::string long_query = "q=" + std::string(max_query_length + 1000, 'x');
  auto page = get("/?" + long_query);
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(get("/docs?" + long_query).status, 200u);
  EXPECT_EQ(get("/assets/app.js?" + long_query).status, 200u);
  auto api = get("/v1/catalog/models?" + long_query);
  EXPECT_EQ(api.status, 400u) << "the API keeps its limit";
  EXPECT_NE(std::string_view(Json(api.body)["detail"]).find("query string is longer"),
            std::string_view::npos);
}

// The page sends a model's id as one segment, '/' as %2F (a browser resolves '.' and '..'
// segments); the server takes it, and never resolves dot segments itself either.
TEST_F(WebRoutes, AModelIdIsReadAsItIsSentNeverResolved) {
  auto id_of = [](const test::HttpResult& r) {
    return r.status == 200 ? std::string(std::string_view(Json(r.body)["id"]))
                           : std::to_string(r.status);
  };
  for (std::string route : {"/v1/catalog/models/", "/v1/models/"}) {
    EXPECT_EQ(id_of(get(route + "a%2F..%2Fb?gateway=odd")), "a/../b") << route;
    EXPECT_EQ(id_of(get(route + "a/../b?gateway=odd")), "a/../b") << route;
    EXPECT_EQ(id_of(get(route + "a%2f..%2fb?gateway=odd")), "a/../b") << route;
    EXPECT_EQ(id_of(get(route + "..%2F..%2Fmetrics?gateway=odd")), "../../metrics") << route;
    EXPECT_EQ(id_of(get(route + "../../metrics?gateway=odd")), "../../metrics") << route;
    EXPECT_EQ(id_of(get(route + "%2E%2E?gateway=odd")), "..") << route;
    EXPECT_EQ(id_of(get(route + "pct%2Fa%252Fb?gateway=odd")), "pct/a%2Fb") << route;
    EXPECT_EQ(id_of(get(route + "b?gateway=odd")), "b") << route;
  }
  auto missing = get("/v1/catalog/models/..%2F..%2F..%2Fmetrics?gateway=odd");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(std::string_view(Json(missing.body)["detail"]),
            "no model '../../../metrics' in gateway 'odd'");
  EXPECT_EQ(get("/v1/catalog/models/..%2F..%2F..%2Fmetrics").header("content-type"),
            "application/json");
  EXPECT_EQ(get("/assets/..%2Fapp.js").status, 404u);
  EXPECT_EQ(get("/assets/%2E%2E").status, 404u);
}

TEST_F(WebRoutes, TheAssetsStaySmall) {
  size_t total = 0;
  for (std::string path :
       {"/", "/docs", "/assets/app.js", "/assets/style.css", "/assets/docs.js", "/assets/docs.css"})
    total += get(path).body.size();
  EXPECT_LT(total, 300u << 10) << "the issue allows a few hundred KB for the page and /docs";
}

// "METHOD /path/{x}" for each operation of the document, {x...} written as {x}.
std::set<std::string> documented_operations(const Json& document) {
  std::set<std::string> out;
  simdjson::dom::object paths = document["paths"].get_object().value();
  for (auto [path, item] : paths) {
    simdjson::dom::object operations = item.get_object().value();
    for (auto [method, operation] : operations) {
      std::string upper(method);
      std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
      if (upper == "PARAMETERS" || upper == "SUMMARY" || upper == "DESCRIPTION") continue;
      out.insert(upper + " " + std::string(path));
    }
  }
  return out;
}

TEST_F(WebRoutes, OpenApiDocumentsEveryRouteAndOnlyThem) {
  const Json& document = openapi();
  EXPECT_EQ(std::string_view(document["openapi"]).substr(0, 4), "3.1.");
  EXPECT_EQ(std::string_view(document["info"]["version"]), GATEHOUSE_VERSION)
      << "web/openapi.json describes another version than this build";
  std::set<std::string> routed;
  for (std::string route : Api::routes()) {
    size_t rest = route.find("...}");
    if (rest != std::string::npos) route.erase(rest, 3);
    routed.insert(route);
  }
  EXPECT_EQ(documented_operations(document), routed);
}

// The query parameter `name` of an operation, or null.
simdjson::dom::element parameter(const Json& document, std::string_view path,
                                 std::string_view name) {
  simdjson::dom::array parameters =
      document["paths"][path]["get"]["parameters"].get_array().value();
  for (auto p : parameters) {
    auto resolved = p;
    if (auto ref = p["$ref"]; !ref.error()) {  // "#/components/parameters/X"
      std::string_view target = ref.get_string().value();
      resolved = document["components"]["parameters"][target.substr(target.rfind('/') + 1)];
    }
    if (std::string_view(resolved["name"]) == name) return resolved;
  }
  ADD_FAILURE() << path << " does not document '" << name << "'";
  return {};
}

std::vector<std::string> strings(simdjson::dom::element array) {
  std::vector<std::string> out;
  simdjson::dom::array items = array.get_array().value();
  for (auto e : items) out.emplace_back(std::string_view(e));
  return out;
}

TEST_F(WebRoutes, OpenApiStatesTheLimitsTheServerEnforces) {
  const Json& document = openapi();
  for (std::string_view path : {"/v1/catalog/models", "/v1/models"}) {
    for (std::string_view name : models_params) parameter(document, path, name);
    auto schema = [&](std::string_view name) { return parameter(document, path, name)["schema"]; };
    EXPECT_EQ(uint64_t(schema("limit")["maximum"]), max_page_limit);
    EXPECT_EQ(uint64_t(schema("offset")["maximum"]), max_offset);
    EXPECT_EQ(uint64_t(schema("min_context")["maximum"]), max_context);
    EXPECT_EQ(uint64_t(schema("q")["maxLength"]), max_search_length);
    std::vector<std::string> sorts(sort_key_names.begin(), sort_key_names.end());
    EXPECT_EQ(strings(schema("sort")["enum"]), sorts);
    EXPECT_EQ(strings(schema("order")["enum"]), (std::vector<std::string>{"asc", "desc"}));
  }
}

TEST_F(WebRoutes, TheReferencePageReadsTheDocument) {
  auto docs = get("/docs");
  ASSERT_EQ(docs.status, 200u);
  EXPECT_EQ(docs.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(docs.body.find("/assets/docs.js?v="), std::string::npos);
  EXPECT_NE(get("/assets/docs.js").body.find("/openapi.json"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse
