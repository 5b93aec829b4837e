// What a broken or hostile upstream does to a gateway, one fault at a time, through the
// real Hugging Face plugin and the host's HTTP client. For every fault: the refresh ends
// within its time budget, the process lives (ASan quiet in the asan preset), every answer
// is valid JSON, and a fault that is an error leaves the last good catalog served with
// the error in /v1/catalog/gateways, in words.
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/plugin_run.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"
#include "support/gzip.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <mutex>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::CannedReply;
using test::FakeUpstream;
using test::SeenRequest;

std::string page_of(const std::vector<std::string>& records) {
  std::string out = "[";
  for (size_t i = 0; i < records.size(); ++i) out += (i ? "," : "") + records[i];
  return out + "]";
}

std::string record(const std::string& id, const std::string& extra = "") {
  return R"({"id":)" + id +
         R"(,"author":"a","downloads":1,"likes":2,"pipeline_tag":"text-generation")" + extra + "}";
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string http(const std::string& head_and_body) { return "HTTP/1.1 " + head_and_body; }

struct Fault {
  std::string name;
  std::function<CannedReply(const SeenRequest&)> reply;
  bool is_error;  // the fetch must fail and keep the last good catalog
};

class FaultMatrix : public ::testing::Test {
 protected:
  FaultMatrix()
      : good_(test::read_bytes(test::fixture("huggingface/list_50.json"))),
        other_([](const SeenRequest&) {
          return CannedReply{404, {}, "{\"error\":\"no\"}"};
        }),
        upstream_([this](const SeenRequest& r) {
          std::lock_guard lock(mutex_);
          return reply_(r);
        }) {
    set([this](const SeenRequest&) { return CannedReply{200, {}, good_}; });
  }

  void set(std::function<CannedReply(const SeenRequest&)> reply) {
    std::lock_guard lock(mutex_);
    reply_ = std::move(reply);
  }

  Config config() const {
    Config c;
    c.cache.dir = cache_.path();
    c.http.timeout = 1s;
    c.http.fetch_timeout = 2s;
    c.http.max_retries = 1;
    c.http.max_response_bytes = 1 << 20;
    GatewayConfig hug;
    hug.name = "hug";
    hug.plugin = test::built_plugin("huggingface").string();
    hug.options = {{"base_url", upstream_.url()},
                   {"essential_models", ""},
                   {"sorts", "likes"},
                   {"router_url", ""}};
    c.gateways.push_back(hug);
    return c;
  }

  std::vector<Fault> faults() const {
    auto fixed = [](CannedReply r) { return [r](const SeenRequest&) { return r; }; };
    auto raw = [&](std::string bytes) {
      CannedReply r;
      r.raw = std::move(bytes);
      return r;
    };
    std::string bomb = gzip(std::string(20 << 20, '\0'));
    std::string deep = std::string(100000, '[') + std::string(100000, ']');
    std::string loop = other_.url("/loop");
    return {
        {"a body cut short of its Content-Length",
         fixed(raw(http("200 OK\r\nContent-Length: 5000\r\n\r\n") + good_.substr(0, 100))), true},
        {"a body cut short, no Content-Length",
         fixed(raw(http("200 OK\r\nConnection: close\r\n\r\n") + good_.substr(0, 3000))), true},
        {"invalid UTF-8 in every id",
         fixed({200, {}, page_of({record("\"bad\xff\""), record("\"\xc3\"")})}), true},
        {"a gzip bomb", fixed({200, {{"Content-Encoding", "gzip"}}, bomb}), true},
        {"bad gzip", fixed({200, {{"Content-Encoding", "gzip"}}, "not gzip at all"}), true},
        {"a 2 GB body",
         fixed(raw(http("200 OK\r\nContent-Length: 2147483648\r\n\r\n") + std::string(4096, '['))),
         true},
        {"HTML", fixed({200, {{"Content-Type", "text/html"}}, "<html><body>oops</body></html>"}),
         true},
        {"a redirect loop", fixed({302, {{"Location", "/again"}}, ""}), true},
        {"a redirect to another origin that fails", fixed({302, {{"Location", loop}}, ""}), true},
        {"a slow drip",
         [&](const SeenRequest&) {
           CannedReply r = raw(http("200 OK\r\nContent-Length: 100000\r\n\r\n") + good_);
           r.drip = 20ms;
           return r;
         },
         true},
        {"a reset",
         [](const SeenRequest&) {
           CannedReply r;
           r.reset = true;
           return r;
         },
         true},
        {"a garbage status line", fixed(raw("HELLO THERE\r\n\r\n")), true},
        {"deep nesting", fixed({200, {}, deep}), true},
        {"an object, not a list", fixed({200, {}, "{\"models\": []}"}), true},
        {"an empty list", fixed({200, {}, "[]"}), true},
        {"an empty body", fixed({200, {}, ""}), true},
        {"status 204", fixed({204, {}, ""}), true},
        {"status 999", fixed(raw(http("999 Whatever\r\nContent-Length: 2\r\n\r\n[]"))), true},
        {"a 1xx and nothing after", fixed(raw(http("100 Continue\r\n\r\n"))), true},
        {"huge headers",
         fixed(raw(http("200 OK\r\nX-Big: " + std::string(100000, 'x') +
                        "\r\nContent-Length: 2\r\n\r\n[]"))),
         true},
        {"many headers",
         [](const SeenRequest&) {
           CannedReply r{200, {}, page_of({record("\"a/b\"")})};
           for (int i = 0; i < 20000; ++i) r.headers.emplace_back("X-" + std::to_string(i), "v");
           return r;
         },
         true},
        {"a hostile Retry-After",
         fixed({429, {{"Retry-After", "99999999999999999999"}}, "{\"error\":\"slow down\"}"}),
         true},
        {"a Link loop",
         [&](const SeenRequest& r) {
           return CannedReply{200,
                              {{"Link", "<" + upstream_.url(r.target) + ">; rel=\"next\""}},
                              page_of({record("\"loop/model\"")})};
         },
         false},
        {"duplicate ids",
         fixed({200, {}, page_of({record("\"d/x\""), record("\"D/X\""), record("\"d/x\"")})}),
         false},
        {"hostile ids",
         fixed(
             {200,
              {},
              page_of({record(quoted("../../etc/passwd")), record("\"nul\\u0000id\""),
                       record("\"cr\\r\\nlf: injected\""), record(quoted(std::string(100000, 'i'))),
                       record("\"<script>alert(1)</script>\"")})}),
         false},
        {"huge numbers and impossible dates",
         fixed({200,
                {},
                page_of(
                    {record("\"n/1\"", R"(,"createdAt":"9999-99-99T99:99:99Z")"),
                     R"({"id":"n/2","downloads":1e400,"likes":-9223372036854775809,)"
                     R"("safetensors":{"total":1.8e308},"createdAt":"-0001-01-01T00:00:00Z"})"})}),
         false},
    };
  }

  std::string good_;
  test::TempDir cache_;
  FakeUpstream other_;
  std::mutex mutex_;
  std::function<CannedReply(const SeenRequest&)> reply_;
  FakeUpstream upstream_;
};

int64_t served_total(const test::TestServer& server) {
  auto r = test::http_get(server.port(), "/v1/catalog/models?gateway=hug&limit=3");
  EXPECT_EQ(r.status, 200u) << r.body;
  return int64_t(test::Json(r.body)["total"]);
}

TEST_F(FaultMatrix, EveryFaultEndsInTimeAndNeverCostsTheLastGoodCatalog) {
  test::TestServer server(config(), {}, "token");
  ASSERT_EQ(served_total(server), 50);
  test::Headers auth{{"Authorization", "Bearer token"}};
  for (const Fault& fault : faults()) {
    SCOPED_TRACE(fault.name);
    server.wait_until_idle();
    int64_t before = served_total(server);
    set(fault.reply);
    auto started = std::chrono::steady_clock::now();
    auto refresh = test::http_request(server.port(), "POST", "/admin/gateways/hug/refresh", auth);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 4s) << "past the fetch's budget";
    EXPECT_NO_THROW(test::Json{refresh.body}) << refresh.body.substr(0, 300);
    if (fault.is_error) {
      EXPECT_EQ(refresh.status, 502u) << refresh.body.substr(0, 300);
      EXPECT_EQ(served_total(server), before) << "the last good catalog is still served";
      test::Json g(test::http_get(server.port(), "/v1/catalog/gateways").body);
      auto error = g["data"].at(0)["last_error"];
      ASSERT_TRUE(error.is_string());
      EXPECT_GT(std::string_view(error).size(), 10u);
    } else {
      EXPECT_EQ(refresh.status, 200u) << refresh.body.substr(0, 300);
    }
    // Whatever came in, every answer is whole, valid JSON.
    for (std::string target : {"/v1/catalog/models?gateway=hug", "/v1/catalog/models",
                               "/v1/catalog/gateways", "/v1/catalog/models?gateway=hug&q=..%2F"}) {
      auto r = test::http_get(server.port(), target);
      EXPECT_EQ(r.status, 200u) << target;
      EXPECT_NO_THROW(test::Json{r.body}) << target;
    }
    set([this](const SeenRequest&) { return CannedReply{200, {}, good_}; });
  }
  EXPECT_EQ(test::http_get(server.port(), "/healthz").status, 200u);
}

}  // namespace
}  // namespace gatehouse
