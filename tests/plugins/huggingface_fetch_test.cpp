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

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>

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
    // No router unless a test asks for one: the default is the real one, on the network.
    PluginOptions options{
        {"base_url", hub.url()}, {"sorts", "likes"}, {"essential_models", ""}, {"router_url", ""}};
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

// What the plugin hands the host, offers and canonical id included, copied out of the
// views (the host in this tree does not render offers yet); and whether the host takes it.
struct RawOffer {
  std::string provider, model_id;
  std::optional<std::string> prompt, completion, status;
  std::optional<int64_t> context_length, max_output_tokens;
};
struct RawModel {
  std::string id, metrics;
  std::optional<std::string> canonical_id, prompt, completion;
  std::optional<int64_t> context_length;
  std::vector<RawOffer> offers;
};
struct RawFetch {
  CallResult result;
  std::vector<RawModel> models;
  std::vector<std::string> invalid;  // reasons the host would drop a model

  const RawModel* find(std::string_view id) const {
    for (const RawModel& m : models)
      if (m.id == id) return &m;
    return nullptr;
  }
  size_t with_offers() const {
    return std::count_if(models.begin(), models.end(),
                         [](const RawModel& m) { return !m.offers.empty(); });
  }
};

std::optional<std::string> copy(gatehouse_str s) {
  return s.data ? std::optional<std::string>(std::string(s.data, s.size)) : std::nullopt;
}
std::optional<int64_t> known(int64_t v) {
  return v == GATEHOUSE_UNKNOWN_INT ? std::nullopt : std::optional<int64_t>(v);
}

RawModel raw_model(const gatehouse_model& m) {
  RawModel r{std::string(m.id.data, m.id.size),
             std::string(m.metrics_json.data, m.metrics_json.size),
             copy(m.canonical_id),
             copy(m.pricing_prompt),
             copy(m.pricing_completion),
             known(m.context_length),
             {}};
  for (size_t i = 0; i < m.offer_count; ++i) {
    const auto& o = *reinterpret_cast<const gatehouse_offer*>(
        reinterpret_cast<const char*>(m.offers) + i * m.offer_stride);
    r.offers.push_back({std::string(o.provider.data, o.provider.size),
                        std::string(o.model_id.data, o.model_id.size), copy(o.pricing_prompt),
                        copy(o.pricing_completion), copy(o.status), known(o.context_length),
                        known(o.max_output_tokens)});
  }
  return r;
}

RawFetch fetch_raw(PluginInstance& p, size_t stop_after = SIZE_MAX) {
  RawFetch out;
  out.result = p.fetch([&](const gatehouse_model& m) {
    if (out.models.size() == stop_after) return GATEHOUSE_ERR_STOPPED;
    out.models.push_back(raw_model(m));
    try {
      make_model_record(m, "hug");
    } catch (const InvalidModel& e) {
      out.invalid.push_back(e.what());
    }
    return GATEHOUSE_OK;
  });
  return out;
}

// The providers named in a model's huggingface_metrics.inference_providers, in order.
std::vector<std::string> providers_in_metrics(const RawModel& m) {
  test::Json metrics(m.metrics);
  std::vector<std::string> out;
  for (auto p : metrics.items("inference_providers"))
    out.emplace_back(std::string_view(p["provider"].get_string().value()));
  return out;
}

std::string handmade_router() {
  return test::read_bytes(test::fixture("huggingface/router_v1_models_handmade.json"));
}

bool asks_router(const SeenRequest& r) { return r.target.rfind("/v1/models", 0) == 0; }

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
        std::tuple{"router_url", "router.huggingface.co",
                   "option 'router_url' must be an http(s) URL"},
        std::tuple{"router_url", "https://user:pw@router.huggingface.co",
                   "option 'router_url' must be an http(s) URL"},
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
  hug.options = {{"base_url", hub.url()}, {"essential_models", ""}, {"router_url", ""}};
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
  hug.options = {
      {"base_url", hub.url()}, {"essential_models", ""}, {"sorts", "likes"}, {"router_url", ""}};
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

// ---------------------------------------------------------------- the router

TEST_F(HuggingFaceFetch, TheRoutersProvidersBecomeOffersOfTheModelsItServes) {
  std::string routed = handmade_router();
  FakeUpstream router([&](const SeenRequest& r) {
    return asks_router(r) ? CannedReply{200, {}, routed} : CannedReply{404, {}, "{}"};
  });
  FakeUpstream hub([&](const SeenRequest&) {
    return CannedReply{200, {}, hub_records_.page(0, 50)};
  });
  PluginInstance p = plugin(hub, {{"router_url", router.url()}});
  RawFetch f = fetch_raw(p);
  ASSERT_TRUE(f.result.ok()) << f.result.message;
  ASSERT_EQ(f.models.size(), 50u) << "the router adds no model of its own (moonshotai/Kimi-K3)";
  EXPECT_TRUE(f.invalid.empty()) << f.invalid.front();
  for (const RawModel& m : f.models) EXPECT_EQ(m.canonical_id, m.id);
  EXPECT_EQ(f.with_offers(), 3u);
  ASSERT_EQ(router.requests().size(), 1u);
  EXPECT_EQ(router.requests()[0].target, "/v1/models");

  const RawModel* llama = f.find("meta-llama/Llama-3.1-8B-Instruct");
  ASSERT_NE(llama, nullptr);
  EXPECT_EQ(llama->context_length, 65536) << "the largest live window; sambanova is staging";
  EXPECT_EQ(llama->prompt, "0.00000002") << "novita, the cheapest live provider";
  EXPECT_EQ(llama->completion, "0.00000005");
  ASSERT_EQ(llama->offers.size(), 4u);
  const RawOffer& cerebras = llama->offers[0];
  EXPECT_EQ(cerebras.provider, "cerebras");
  EXPECT_EQ(cerebras.model_id, "meta-llama/Llama-3.1-8B-Instruct:cerebras");
  EXPECT_EQ(cerebras.prompt, "0.0000001");
  EXPECT_EQ(cerebras.completion, "0.0000001");
  EXPECT_EQ(cerebras.context_length, 32768);
  EXPECT_EQ(cerebras.max_output_tokens, std::nullopt);
  EXPECT_EQ(cerebras.status, "live");
  const RawOffer& sambanova = llama->offers[2];
  EXPECT_EQ(sambanova.status, "staging");
  EXPECT_EQ(sambanova.prompt, "0.00000001");
  EXPECT_EQ(sambanova.context_length, 131072);
  const RawOffer& featherless = llama->offers[3];
  EXPECT_EQ(featherless.model_id, "meta-llama/Llama-3.1-8B-Instruct:featherless-ai");
  EXPECT_EQ(featherless.prompt, std::nullopt) << "a provider without pricing";
  EXPECT_EQ(featherless.completion, std::nullopt);
  EXPECT_EQ(featherless.context_length, 65536);

  test::Json metrics(llama->metrics);
  auto providers = metrics.items("inference_providers");
  ASSERT_EQ(providers.size(), 4u);
  EXPECT_EQ(std::string_view(providers[0]["provider"]), "cerebras");
  EXPECT_EQ(std::string_view(providers[0]["status"]), "live");
  EXPECT_TRUE(bool(providers[0]["supports_tools"]));
  EXPECT_FALSE(bool(providers[0]["supports_structured_output"]));
  EXPECT_EQ(std::string_view(providers[2]["status"]), "staging");
  EXPECT_TRUE(providers[3]["supports_tools"].is_null());
  EXPECT_TRUE(providers[3]["supports_structured_output"].is_null());

  const RawModel* coder = f.find("Qwen/Qwen2.5-Coder-32B-Instruct");
  ASSERT_NE(coder, nullptr);
  EXPECT_EQ(coder->context_length, 131072);
  EXPECT_EQ(coder->prompt, "0.0000002");
  EXPECT_EQ(coder->completion, "0.0000002");
  ASSERT_EQ(coder->offers.size(), 3u);
  EXPECT_EQ(coder->offers[2].provider, "nscale");
  EXPECT_EQ(coder->offers[2].context_length, std::nullopt);

  // The router spells it meta-llama/llama-3.2-3b-instruct: ids match whatever their case.
  const RawModel* small = f.find("meta-llama/Llama-3.2-3B-Instruct");
  ASSERT_NE(small, nullptr);
  ASSERT_EQ(small->offers.size(), 1u);
  EXPECT_EQ(small->offers[0].model_id, "meta-llama/Llama-3.2-3B-Instruct:together");

  const RawModel* unserved = f.find("Qwen/QwQ-32B-Preview");
  ASSERT_NE(unserved, nullptr);
  EXPECT_TRUE(unserved->offers.empty());
  EXPECT_EQ(unserved->prompt, std::nullopt);
  EXPECT_EQ(unserved->context_length, std::nullopt);
  EXPECT_TRUE(providers_in_metrics(*unserved).empty());
}

TEST_F(HuggingFaceFetch, TheWholeRecordedListWithTheRouter) {
  std::string list = test::read_bytes(test::fixture("huggingface/list_2817.json"));
  std::string routed = handmade_router();
  FakeUpstream router([&](const SeenRequest&) { return CannedReply{200, {}, routed}; });
  FakeUpstream hub([&](const SeenRequest&) { return CannedReply{200, {}, list}; });
  PluginInstance p = plugin(hub, {{"router_url", router.url()}});
  RawFetch f = fetch_raw(p);
  ASSERT_TRUE(f.result.ok()) << f.result.message;
  EXPECT_EQ(f.models.size(), 2817u);
  EXPECT_TRUE(f.invalid.empty()) << f.invalid.front();
  const RawModel* v3 = f.find("deepseek-ai/DeepSeek-V3");
  ASSERT_NE(v3, nullptr);
  EXPECT_EQ(v3->canonical_id, "deepseek-ai/DeepSeek-V3");
  ASSERT_EQ(v3->offers.size(), 3u);
  EXPECT_EQ(v3->offers[1].model_id, "deepseek-ai/DeepSeek-V3:fireworks-ai");
  EXPECT_EQ(v3->offers[1].prompt, "0.0000009");
  EXPECT_EQ(v3->prompt, "0.0000004") << "novita: the lowest input price";
  EXPECT_EQ(v3->completion, "0.0000013");
  EXPECT_EQ(v3->context_length, 131072);
  EXPECT_EQ(f.find("deepseek-ai/DeepSeek-V3-Base")->offers.size(), 0u);
}

TEST_F(HuggingFaceFetch, ARouterThatFailsCostsTheOffersNotTheCatalog) {
  uint16_t closed_port = 0;
  {
    FakeUpstream gone([](const SeenRequest&) { return CannedReply{}; });
    closed_port = gone.port();
  }
  struct Case {
    std::string name;
    CannedReply reply;
    std::string says;
  };
  for (const Case& c :
       {Case{"a server error", {500, {}, "upstream exploded"}, "router: HTTP 500 from "},
        Case{"not found", {404, {}, "Not Found"}, "router: HTTP 404 from "},
        Case{"an unreachable port", {}, "router: connect to 127.0.0.1"},
        Case{
            "a web page", {200, {}, "<html>hello</html>"}, "/v1/models is not a router model list"},
        Case{"a truncated list", {200, {}, handmade_router().substr(0, 900)}, "is not valid JSON"},
        Case{"another shape", {200, {}, "[{\"id\":\"a/b\"}]"}, "is not a router model list"}}) {
    FakeUpstream router([&](const SeenRequest&) { return c.reply; });
    FakeUpstream hub([&](const SeenRequest&) {
      return CannedReply{200, {}, hub_records_.page(0, 50)};
    });
    std::string router_url = c.name == "an unreachable port"
                                 ? "http://127.0.0.1:" + std::to_string(closed_port)
                                 : router.url();
    PluginInstance p = plugin(hub, {{"router_url", router_url}});
    testing::internal::CaptureStderr();
    RawFetch f = fetch_raw(p);
    std::string log = testing::internal::GetCapturedStderr();
    ASSERT_TRUE(f.result.ok()) << c.name << ": " << f.result.message;
    EXPECT_EQ(f.models.size(), 50u) << c.name;
    EXPECT_EQ(f.with_offers(), 0u) << c.name;
    EXPECT_EQ(f.models.front().canonical_id, f.models.front().id) << c.name;
    EXPECT_NE(log.find("warn [hug] router: "), std::string::npos) << c.name << ": " << log;
    EXPECT_NE(log.find(c.says), std::string::npos) << c.name << ": " << log;
  }
}

TEST_F(HuggingFaceFetch, AnEmptyRouterUrlAsksNoRouter) {
  std::string routed = handmade_router();
  FakeUpstream hub([&](const SeenRequest& r) {
    return asks_router(r) ? CannedReply{200, {}, routed}
                          : CannedReply{200, {}, hub_records_.page(0, 50)};
  });
  PluginInstance p = plugin(hub, {{"router_url", ""}});
  RawFetch f = fetch_raw(p);
  ASSERT_TRUE(f.result.ok()) << f.result.message;
  EXPECT_EQ(f.models.size(), 50u);
  EXPECT_EQ(f.with_offers(), 0u);
  EXPECT_EQ(f.find("meta-llama/Llama-3.1-8B-Instruct")->canonical_id,
            "meta-llama/Llama-3.1-8B-Instruct");
  auto seen = hub.requests();
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(), asks_router), 0);
  EXPECT_EQ(seen.size(), 1u);
}

TEST_F(HuggingFaceFetch, TheTokenReachesARouterOnTheHubsOrigin) {
  std::string routed = handmade_router();
  FakeUpstream hub([&](const SeenRequest& r) {
    return asks_router(r) ? CannedReply{200, {}, routed}
                          : CannedReply{200, {}, hub_records_.page(0, 50)};
  });
  ScopedEnv hf_token("HF_TOKEN", nullptr);
  ScopedEnv token("HUG_API_KEY", "hf_secret");
  PluginInstance p = plugin(hub, {{"router_url", hub.url()}});
  RawFetch f = fetch_raw(p);
  ASSERT_TRUE(f.result.ok()) << f.result.message;
  EXPECT_EQ(f.with_offers(), 3u);
  auto seen = hub.requests();
  ASSERT_EQ(seen.size(), 2u);
  for (SeenRequest& r : seen) EXPECT_EQ(r.headers["authorization"], "Bearer hf_secret") << r.target;
  EXPECT_TRUE(asks_router(seen[1])) << "after the first Hub page: " << seen[1].target;
  EXPECT_EQ(seen[1].headers["accept"], "application/json");
}

// The host sends a plugin's headers only to the origin of a fetch's first request: the Hub
// is asked first so that it keeps the token (private and gated models, rate limits); a
// router elsewhere (router.huggingface.co is) gets the other headers without it.
TEST_F(HuggingFaceFetch, ARouterOnAnotherOriginLeavesTheHubItsToken) {
  std::string routed = handmade_router();
  FakeUpstream router([&](const SeenRequest&) { return CannedReply{200, {}, routed}; });
  FakeUpstream hub([&](const SeenRequest& r) {
    if (has_param(r, "cursor=2")) return CannedReply{200, {}, hub_records_.page(25, 50)};
    return CannedReply{
        200, {{"Link", "</api/models?cursor=2>; rel=\"next\""}}, hub_records_.page(0, 25)};
  });
  ScopedEnv hf_token("HF_TOKEN", nullptr);
  ScopedEnv token("HUG_API_KEY", "hf_secret");
  PluginInstance p = plugin(hub, {{"router_url", router.url()}, {"sorts", "likes,downloads"}});
  RawFetch f = fetch_raw(p);
  ASSERT_TRUE(f.result.ok()) << f.result.message;
  EXPECT_EQ(f.with_offers(), 3u);
  auto pages = hub.requests();
  ASSERT_EQ(pages.size(), 4u) << "two sorts, two pages each";
  for (SeenRequest& r : pages)
    EXPECT_EQ(r.headers["authorization"], "Bearer hf_secret") << r.target;
  ASSERT_EQ(router.requests().size(), 1u) << "once per fetch, whatever the walks";
  EXPECT_EQ(router.requests()[0].headers.count("authorization"), 0u);
  EXPECT_EQ(router.requests()[0].headers["accept"], "application/json");
  fetch_raw(p);
  EXPECT_EQ(router.requests().size(), 2u) << "and asked afresh by the next fetch";
}

TEST_F(HuggingFaceFetch, AnEssentialModelGetsOffersAndKeepsTheHubsOtherProviders) {
  std::string single = test::read_bytes(test::fixture(
      "huggingface/cassettes/"
      "meta-llama_Llama-3.1-8B-Instruct_expand_inferenceProviderMapping__20250312T153837.json"));
  std::string routed = handmade_router();
  FakeUpstream router([&](const SeenRequest&) { return CannedReply{200, {}, routed}; });
  FakeUpstream hub([&](const SeenRequest& r) {
    if (r.target.rfind("/api/models/meta-llama/Llama-3.1-8B-Instruct?", 0) == 0)
      return CannedReply{200, {}, single};
    return CannedReply{200, {}, hub_records_.page(0, 3)};
  });
  PluginInstance p = plugin(hub, {{"router_url", router.url()},
                                  {"essential_models", "meta-llama/Llama-3.1-8B-Instruct"}});
  RawFetch f = fetch_raw(p);
  ASSERT_TRUE(f.result.ok()) << f.result.message;
  ASSERT_EQ(f.models.size(), 4u);
  const RawModel& llama = f.models.back();
  EXPECT_EQ(llama.id, "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(llama.offers.size(), 4u);
  EXPECT_EQ(llama.prompt, "0.00000002");
  // The router's four, then those only the Hub's inferenceProviderMapping names.
  EXPECT_EQ(providers_in_metrics(llama),
            (std::vector<std::string>{"cerebras", "novita", "sambanova", "featherless-ai",
                                      "fireworks-ai", "hf-inference", "nebius", "hyperbolic"}));
  test::Json metrics(llama.metrics);
  auto hyperbolic = metrics.items("inference_providers").back();
  EXPECT_EQ(std::string_view(hyperbolic["status"]), "staging");
  EXPECT_TRUE(hyperbolic["supports_tools"].is_null());
}

TEST_F(HuggingFaceFetch, TheHostsStopStillStopsAFetchWithARouter) {
  std::string routed = handmade_router();
  FakeUpstream router([&](const SeenRequest&) { return CannedReply{200, {}, routed}; });
  FakeUpstream hub([&](const SeenRequest&) {
    return CannedReply{200, {}, hub_records_.page(0, 50)};
  });
  PluginInstance p = plugin(hub, {{"router_url", router.url()}});
  RawFetch f = fetch_raw(p, 5);
  EXPECT_EQ(f.result.status, GATEHOUSE_ERR_STOPPED) << f.result.message;
  EXPECT_EQ(f.models.size(), 5u);
}

}  // namespace
}  // namespace gatehouse
