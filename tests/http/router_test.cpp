// The route table's matcher: literal segments, one-segment captures, and a rest capture
// that keeps slashes (model ids have them).
#include "http/router.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    add("GET", "/v1/models", Route::models);
    add("GET", "/v1/models/{id...}", Route::model);
    add("PUT", "/admin/gateways/{name}/plugin", Route::admin);
    add("POST", "/admin/gateways/{name}/refresh", Route::admin);
    add("DELETE", "/admin/gateways/{name}/refresh", Route::admin);
  }
  void add(std::string_view method, std::string_view pattern, Route route) {
    std::string name(pattern);
    router_.add(method, pattern, route, [name](const RouteCall&) {
      ApiResponse r;
      r.body = name;
      return r;
    });
  }
  // The pattern that answered, or "404" / "405 <allowed>".
  std::string route(std::string_view method, std::string_view path,
                    std::vector<std::string>* args = nullptr) {
    Router::Match m = router_.match(method, path);
    if (!m.handler) return m.allowed.empty() ? "404" : "405 " + m.allowed;
    if (args) *args = m.args;
    ApiRequest request;
    return (*m.handler)(RouteCall{request, m.args, {}, std::string(path)}).body;
  }
  Router router_;
};

TEST_F(RouterTest, LiteralPathsMatchWholeSegmentsOnly) {
  EXPECT_EQ(route("GET", "/v1/models"), "/v1/models");
  EXPECT_EQ(route("GET", "/v1/modelsx"), "404");
  EXPECT_EQ(route("GET", "/v1"), "404");
  EXPECT_EQ(route("GET", "/"), "404");
  EXPECT_EQ(route("GET", ""), "404");
}

TEST_F(RouterTest, TheRestCaptureKeepsSlashesAndMustNotBeEmpty) {
  std::vector<std::string> args;
  EXPECT_EQ(route("GET", "/v1/models/meta-llama/Llama-3.1-8B", &args), "/v1/models/{id...}");
  EXPECT_EQ(args, std::vector<std::string>{"meta-llama/Llama-3.1-8B"});
  EXPECT_EQ(route("GET", "/v1/models/a//b", &args), "/v1/models/{id...}");
  EXPECT_EQ(args, std::vector<std::string>{"a//b"});
  EXPECT_EQ(route("GET", "/v1/models/"), "404");
}

// The path is matched as it is: '.' and '..' are an id's own characters (a model id may
// hold them), never resolved, so no path reaches another route through them.
TEST_F(RouterTest, DotSegmentsAreNeverResolved) {
  std::vector<std::string> args;
  EXPECT_EQ(route("GET", "/v1/models/a/../b", &args), "/v1/models/{id...}");
  EXPECT_EQ(args, std::vector<std::string>{"a/../b"});
  EXPECT_EQ(route("GET", "/v1/models/../../metrics", &args), "/v1/models/{id...}");
  EXPECT_EQ(args, std::vector<std::string>{"../../metrics"});
  EXPECT_EQ(route("GET", "/v1/models/..", &args), "/v1/models/{id...}");
  EXPECT_EQ(args, std::vector<std::string>{".."});
  EXPECT_EQ(route("GET", "/v1/x/../models"), "404");
  EXPECT_EQ(route("PUT", "/admin/gateways/../plugin", &args), "/admin/gateways/{name}/plugin");
  EXPECT_EQ(args, std::vector<std::string>{".."});
}

TEST_F(RouterTest, OneSegmentCapturesStopAtASlash) {
  std::vector<std::string> args;
  EXPECT_EQ(route("PUT", "/admin/gateways/hug/plugin", &args), "/admin/gateways/{name}/plugin");
  EXPECT_EQ(args, std::vector<std::string>{"hug"});
  EXPECT_EQ(route("PUT", "/admin/gateways//plugin"), "404");
  EXPECT_EQ(route("PUT", "/admin/gateways/a/b/plugin"), "404");
  EXPECT_EQ(route("PUT", "/admin/gateways/hug/plugin/more"), "404");
}

TEST_F(RouterTest, AKnownPathWithAnotherMethodListsTheAllowedOnes) {
  EXPECT_EQ(route("POST", "/v1/models"), "405 GET, HEAD");
  EXPECT_EQ(route("HEAD", "/v1/models"), "/v1/models") << "HEAD is GET without the body";
  EXPECT_EQ(route("HEAD", "/admin/gateways/hug/refresh"), "405 POST, DELETE");
  EXPECT_EQ(route("GET", "/admin/gateways/hug/refresh"), "405 POST, DELETE");
  EXPECT_EQ(route("DELETE", "/admin/gateways/hug/refresh"), "/admin/gateways/{name}/refresh");
}

TEST_F(RouterTest, DescribesEveryRouteInOrder) {
  EXPECT_EQ(router_.describe(),
            (std::vector<std::string>{
                "GET /v1/models", "GET /v1/models/{id...}", "PUT /admin/gateways/{name}/plugin",
                "POST /admin/gateways/{name}/refresh", "DELETE /admin/gateways/{name}/refresh"}));
}

}  // namespace
}  // namespace gatehouse
