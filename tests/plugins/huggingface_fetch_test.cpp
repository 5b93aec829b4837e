// The Hugging Face plugin's fetch against a fake Hub on 127.0.0.1, through the host's
// real HTTP client.
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/plugin_run.hpp"
#include "harness/scoped_env.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"
#include "plugin_host/http_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::CannedReply;
using test::FakeUpstream;
using test::ScopedEnv;
using test::SeenRequest;

// Real Hub list records, served in slices as pages.
class HubRecords {
 public:
  HubRecords() {
    simdjson::dom::array all = parser_.load(test::fixture("huggingface/list_50.json")).get_array();
    for (simdjson::dom::element m : all) {
      records_.push_back(simdjson::minify(m));
      ids_.emplace_back(std::string_view(m["id"].get_string().value()));
    }
  }
  std::string page(size_t from, size_t to) const {
    std::string out = "[";
    for (size_t i = from; i < to; ++i) out += (i > from ? "," : "") + records_[i];
    return out + "]";
  }
  const std::string& id(size_t i) const { return ids_[i]; }

 private:
  simdjson::dom::parser parser_;
  std::vector<std::string> records_, ids_;
};

bool has_param(const SeenRequest& r, const std::string& param) {
  return r.target.find(param) != std::string::npos;
}

HttpClient quick_client() {
  HttpClientSettings s;
  s.retry_base = 10ms;
  s.timeout = 20s;
  return HttpClient(s);
}

class HuggingFaceFetch : public ::testing::Test {
 protected:
  PluginInstance plugin(FakeUpstream& hub, PluginOptions extra = {}) {
    PluginOptions options{{"base_url", hub.url()}, {"sorts", "likes"}, {"essential_models", ""}};
    for (auto& [k, v] : extra) {
      bool replaced = false;
      for (auto& [ok, ov] : options)
        if (ok == k) {
          ov = v;
          replaced = true;
        }
      if (!replaced) options.emplace_back(k, v);
    }
    return PluginInstance(load_plugin(test::built_plugin("huggingface")), "hug", options,
                          HostContext{&http_});
  }

  HubRecords hub_records_;
  HttpClient http_ = quick_client();
};

std::vector<std::string> ids_of(const test::Emitted& e) {
  std::vector<std::string> out;
  for (const auto& m : e.models) out.push_back(m.id);
  return out;
}

TEST_F(HuggingFaceFetch, FollowsTheLinkCursorThroughThreePages) {
  FakeUpstream hub([&](const SeenRequest& r) {
    if (has_param(r, "cursor=p3")) return CannedReply{200, {}, hub_records_.page(20, 30)};
    if (has_param(r, "cursor=p2"))
      return CannedReply{
          200, {{"Link", "</api/models?cursor=p3>; rel=\"next\""}}, hub_records_.page(10, 20)};
    return CannedReply{200, {}, hub_records_.page(0, 10)};
  });
  // The first page links to the second with an absolute URL, as the Hub does.
  FakeUpstream front([&](const SeenRequest& r) {
    if (has_param(r, "cursor")) return CannedReply{404, {}, "{}"};
    return CannedReply{200,
                       {{"Link", "<" + hub.url("/api/models?cursor=p2") + ">; rel=\"next\""}},
                       hub_records_.page(0, 10)};
  });
  PluginInstance p = plugin(front);
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  ASSERT_EQ(e.models.size(), 30u);
  for (size_t i = 0; i < 30; ++i) EXPECT_EQ(e.models[i].id, hub_records_.id(i));
  auto first = front.requests().at(0);
  EXPECT_EQ(first.target.rfind("/api/models?inference_provider=hf-inference&sort=likes&direction=-1"
                               "&limit=1000&expand=author&expand=downloads",
                               0),
            0u)
      << first.target;
  EXPECT_TRUE(has_param(first, "expand=inferenceProviderMapping"));
  EXPECT_FALSE(has_param(first, "full=true"));
  EXPECT_EQ(hub.requests().size(), 2u);  // pages 2 and 3
}

TEST_F(HuggingFaceFetch, TwoSortsWithOverlapGiveEachModelOnce) {
  FakeUpstream hub([&](const SeenRequest& r) {
    if (has_param(r, "sort=likes")) return CannedReply{200, {}, hub_records_.page(0, 6)};
    return CannedReply{200, {}, hub_records_.page(4, 10)};
  });
  PluginInstance p = plugin(hub, {{"sorts", "likes,downloads"}});
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  EXPECT_EQ(e.models.size(), 10u);
  EXPECT_EQ(hub.requests().size(), 2u);
}

TEST_F(HuggingFaceFetch, MaxModelsBoundsEachWalk) {
  std::atomic<int> cursor = 0;
  FakeUpstream hub([&](const SeenRequest&) {
    std::string next = "</api/models?cursor=" + std::to_string(++cursor) + ">; rel=\"next\"";
    return CannedReply{200, {{"Link", next}}, hub_records_.page(0, 10)};
  });
  PluginInstance p = plugin(hub, {{"max_models", "25"}, {"page_size", "10"}});
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  EXPECT_EQ(hub.requests().size(), 3u) << "a never-ending cursor stops at max_models";
  EXPECT_TRUE(has_param(hub.requests()[0], "limit=10"));
}

TEST_F(HuggingFaceFetch, RateLimitedThenServed) {
  std::atomic<int> calls = 0;
  FakeUpstream hub([&](const SeenRequest&) {
    if (++calls == 1) return CannedReply{429, {{"RateLimit", "\"api\";r=0;t=1"}}, ""};
    return CannedReply{200, {}, hub_records_.page(0, 5)};
  });
  PluginInstance p = plugin(hub);
  auto started = std::chrono::steady_clock::now();
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  EXPECT_EQ(e.models.size(), 5u);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
}

TEST_F(HuggingFaceFetch, AServerErrorThenServed) {
  std::atomic<int> calls = 0;
  FakeUpstream hub([&](const SeenRequest&) {
    if (++calls == 1) return CannedReply{500, {}, "internal error"};
    return CannedReply{200, {}, hub_records_.page(0, 5)};
  });
  PluginInstance p = plugin(hub);
  EXPECT_EQ(test::fetch(p).models.size(), 5u);
  EXPECT_EQ(calls, 2);
}

TEST_F(HuggingFaceFetch, ATruncatedPageFailsTheFetchNamingUrlAndOffset) {
  FakeUpstream hub([&](const SeenRequest&) {
    std::string page = hub_records_.page(0, 10);
    return CannedReply{200, {}, page.substr(0, page.size() / 2)};
  });
  PluginInstance p = plugin(hub);
  auto e = test::fetch(p);
  EXPECT_EQ(e.result.status, GATEHOUSE_ERR_PARSE);
  EXPECT_NE(e.result.message.find(hub.url("/api/models?")), std::string::npos) << e.result.message;
  EXPECT_NE(e.result.message.find(" is not valid JSON at byte "), std::string::npos);
}

TEST_F(HuggingFaceFetch, AnErrorAnswerFailsTheFetchWithItsStatusAndBody) {
  FakeUpstream hub([](const SeenRequest&) {
    return CannedReply{401, {}, "{\"error\":\"Invalid credentials in Authorization header\"}"};
  });
  PluginInstance p = plugin(hub);
  auto e = test::fetch(p);
  EXPECT_EQ(e.result.status, GATEHOUSE_ERR_UPSTREAM);
  EXPECT_NE(e.result.message.find("HTTP 401 from " + hub.url("/api/models?")), std::string::npos);
  EXPECT_NE(e.result.message.find("Invalid credentials"), std::string::npos) << e.result.message;
}

TEST_F(HuggingFaceFetch, AnEssentialModelMissingFromTheListIsFetchedByItself) {
  std::string single =
      test::read_bytes(test::fixture("huggingface/cassettes/gpt2__20250321T134713.json"));
  FakeUpstream hub([&](const SeenRequest& r) {
    if (r.target.rfind("/api/models/openai-community/gpt2?", 0) == 0)
      return CannedReply{200, {}, single};
    if (r.target.rfind("/api/models/nobody/nothing?", 0) == 0)
      return CannedReply{404, {}, "{\"error\":\"Repository not found\"}"};
    return CannedReply{200, {}, hub_records_.page(0, 3)};
  });
  PluginInstance p = plugin(
      hub, {{"essential_models", "openai-community/gpt2, nobody/nothing, " + hub_records_.id(1)}});
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  auto ids = ids_of(e);
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids.back(), "gpt2");
  EXPECT_EQ(hub.requests().size(), 3u) << "the one already listed is not fetched again";
}

TEST_F(HuggingFaceFetch, SendsTheTokenOnlyWhenItsVariableIsSet) {
  FakeUpstream hub([&](const SeenRequest&) {
    return CannedReply{200, {}, hub_records_.page(0, 2)};
  });
  ScopedEnv hf_token("HF_TOKEN", nullptr);
  {
    ScopedEnv unset("HUG_API_KEY", nullptr);
    PluginInstance p = plugin(hub);
    test::fetch(p);
  }
  {
    ScopedEnv set("HUG_API_KEY", "hf_secret");
    PluginInstance p = plugin(hub);
    test::fetch(p);
  }
  {
    ScopedEnv custom("MY_TOKEN", "hf_other");
    PluginInstance p = plugin(hub, {{"token_env", "MY_TOKEN"}});
    test::fetch(p);
  }
  auto seen = hub.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].headers.count("authorization"), 0u);
  EXPECT_EQ(seen[1].headers["authorization"], "Bearer hf_secret");
  EXPECT_EQ(seen[2].headers["authorization"], "Bearer hf_other");
}

// Hardening B3: a Link next URL on another origin received the token. The host sends a
// plugin's headers only to the origin of the fetch's first request.
TEST_F(HuggingFaceFetch, ANextPageOnAnotherOriginGetsNoToken) {
  FakeUpstream elsewhere([&](const SeenRequest&) {
    return CannedReply{200, {}, hub_records_.page(2, 4)};
  });
  FakeUpstream hub([&](const SeenRequest&) {
    return CannedReply{200,
                       {{"Link", "<" + elsewhere.url("/api/models?cursor=x") + ">; rel=\"next\""}},
                       hub_records_.page(0, 2)};
  });
  ScopedEnv token("HUG_API_KEY", "hf_secret");
  PluginInstance p = plugin(hub);
  auto e = test::fetch(p);
  ASSERT_TRUE(e.result.ok()) << e.result.message;
  EXPECT_EQ(e.models.size(), 4u);
  EXPECT_EQ(hub.requests().at(0).headers["authorization"], "Bearer hf_secret");
  ASSERT_EQ(elsewhere.requests().size(), 1u);
  EXPECT_EQ(elsewhere.requests()[0].headers.count("authorization"), 0u);
  // The next fetch starts afresh: its first request's origin is trusted again.
  test::fetch(p);
  EXPECT_EQ(hub.requests().at(1).headers["authorization"], "Bearer hf_secret");
}

// Hardening B2: "[]" with a Link to itself was walked forever (82,576 pages in 68 s).
TEST_F(HuggingFaceFetch, AWalkInCirclesEnds) {
  struct Case {
    std::string name;
    std::function<CannedReply(const SeenRequest&)> upstream;
    PluginOptions options;
    size_t requests, models;
  };
  std::atomic<int> cursor = 0;
  auto link_to = [](const std::string& url) {
    return test::Headers{{"Link", "<" + url + ">; rel=\"next\""}};
  };
  FakeUpstream* self = nullptr;
  std::vector<Case> cases = {
      {"an empty page linking to itself",
       [&](const SeenRequest& r) {
         return CannedReply{200, link_to(self->url(r.target)), "[]"};
       },
       {},
       1,
       0},
      {"a page linking to itself",
       [&](const SeenRequest& r) {
         return CannedReply{200, link_to(self->url(r.target)), hub_records_.page(0, 2)};
       },
       {},
       1,
       2},
      {"empty pages with ever new cursors",
       [&](const SeenRequest&) {
         return CannedReply{200, link_to(self->url("/api/models?c=" + std::to_string(++cursor))),
                            "[]"};
       },
       {},
       1,
       0},
      {"ever new cursors, the same models",
       [&](const SeenRequest&) {
         return CannedReply{200, link_to(self->url("/api/models?c=" + std::to_string(++cursor))),
                            hub_records_.page(0, 2)};
       },
       {{"max_pages", "5"}},
       5,
       2},
  };
  for (const Case& c : cases) {
    FakeUpstream hub([&](const SeenRequest& r) { return c.upstream(r); });
    self = &hub;
    PluginInstance p = plugin(hub, c.options);
    auto e = test::fetch(p);
    EXPECT_TRUE(e.result.ok()) << c.name << ": " << e.result.message;
    EXPECT_EQ(hub.requests().size(), c.requests) << c.name;
    EXPECT_EQ(e.models.size(), c.models) << c.name;
  }
}

TEST_F(HuggingFaceFetch, BadOptionsAreRejectedAtCreate) {
  FakeUpstream hub([](const SeenRequest&) { return CannedReply{}; });
  for (auto [key, value, message] :
       {std::tuple{"page_size", "0", "option 'page_size' must be a whole number from 1 to 10000"},
        std::tuple{"mode", "fast", "option 'mode' must be expand or full"},
        std::tuple{"base_url", "huggingface.co", "option 'base_url' must be an http(s) URL"},
        std::tuple{"sort", "likes", "unknown option 'sort'"}}) {
    try {
      plugin(hub, {{key, value}});
      FAIL() << key;
    } catch (const PluginError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

TEST_F(HuggingFaceFetch, GatewayHugServesThePluginsCatalogEndToEnd) {
  FakeUpstream hub([&](const SeenRequest&) {
    return CannedReply{200, {}, hub_records_.page(0, 50)};
  });
  test::TempDir dir;
  Config config;
  config.cache.dir = dir.path();
  GatewayConfig hug;
  hug.name = "hug";
  hug.plugin = test::built_plugin("huggingface").string();
  hug.options = {{"base_url", hub.url()}, {"essential_models", ""}};
  config.gateways.push_back(hug);
  test::TestServer server(config);
  auto r = test::http_get(server.port(), "/v1/catalog/models?gateway=hug&sort=downloads&limit=3");
  ASSERT_EQ(r.status, 200u) << r.body;
  test::Json j(r.body);
  EXPECT_EQ(int64_t(j["total"]), 50);
  EXPECT_EQ(j.ids().front(), "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(std::string_view(j["data"].at(0)["source_gateway"]), "hug");
  EXPECT_EQ(hub.requests().size(), 2u) << "one walk per default sort";
}

// Hardening B8: an error body cut at 200 bytes inside a character made the gateway's
// last_error null and the admin refresh "502 invalid request". Cut on a character
// boundary; whatever still is not UTF-8 is repaired, never dropped.
TEST_F(HuggingFaceFetch, AnErrorBodyCutInsideACharacterStillSaysWhatHappened) {
  FakeUpstream hub([](const SeenRequest&) {
    return CannedReply{500, {}, std::string(199, 'a') + "\xC3\xA9\xC3\xA9 and \xFF"};
  });
  test::TempDir dir;
  Config config;
  config.cache.dir = dir.path();
  config.http.max_retries = 0;
  GatewayConfig hug;
  hug.name = "hug";
  hug.plugin = test::built_plugin("huggingface").string();
  hug.options = {{"base_url", hub.url()}, {"essential_models", ""}, {"sorts", "likes"}};
  config.gateways.push_back(hug);
  test::TestServer server(config, {}, "token");
  auto state = [&] {
    test::Json g(test::http_get(server.port(), "/v1/catalog/gateways").body);
    return std::string(std::string_view(g["data"].at(0)["state"]));
  };
  for (int i = 0; i < 1000 && state() != "error"; ++i) std::this_thread::sleep_for(5ms);
  auto refresh = test::http_request(server.port(), "POST", "/admin/gateways/hug/refresh",
                                    {{"Authorization", "Bearer token"}});
  EXPECT_EQ(refresh.status, 502u);
  std::string expected = "HTTP 500 from " + hub.url("/api/models?");
  EXPECT_NE(refresh.body.find(expected), std::string::npos) << refresh.body;
  EXPECT_NE(refresh.body.find(std::string(199, 'a') + "\""), std::string::npos)
      << "cut before the character that did not fit: " << refresh.body;
  test::Json g(test::http_get(server.port(), "/v1/catalog/gateways").body);
  auto last_error = g["data"].at(0)["last_error"];
  ASSERT_TRUE(last_error.is_string());
  EXPECT_NE(std::string_view(last_error).find(expected), std::string_view::npos);
}

}  // namespace
}  // namespace gatehouse
