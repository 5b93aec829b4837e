// Hardening P7: no secret a gateway was given leaves the process. Upstreams that echo their
// keys everywhere they can (next links, error bodies, headers, redirect Locations, the
// router's answer) stand behind a real gatehouse; every answer of its API and every line
// of its log, and the output of check-plugin, are searched for each key, as it is and
// percent-encoded.
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/paths.hpp"
#include "harness/plugin_run.hpp"
#include "harness/scoped_env.hpp"
#include "harness/subprocess.hpp"
#include "harness/test_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::CannedReply;
using test::FakeUpstream;
using test::SeenRequest;

// Every key holds "sekrit", and no other text of the run does: a key that shows up in any
// form that keeps its letters (whole, cut, with its '/' or '+' encoded) is found by that.
const std::string or_key = "sk-or-v1-sekrit/or+Q==";
const std::string or2_key = "sk-or-v1-other-sekrit/2=";
const std::string pk_key = "pk-sekrit key&1";
const std::string hf_key = "hf_sekritToken123";
const std::string admin_token = "admin-sekrit-token";

// As a URL query carries it: every byte but the unreserved ones as %XX.
std::string percent_encoded(const std::string& text, bool every_byte, const char* digits) {
  std::string out;
  for (unsigned char c : text) {
    if (!every_byte && (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')) {
      out += static_cast<char>(c);
      continue;
    }
    out += '%';
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}
std::string pct(const std::string& s) { return percent_encoded(s, false, "0123456789ABCDEF"); }
std::string pct_all(const std::string& s) { return percent_encoded(s, true, "0123456789abcdef"); }

// As a JSON encoder may write it: '/' as "\/", every other byte but letters and digits as
// \u00XX (Go's escapes '&', PHP's '/').
std::string json_escaped(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c))
      out += static_cast<char>(c);
    else if (c == '/')
      out += "\\/";
    else
      out += "\\u00" + pct_all(std::string(1, static_cast<char>(c))).substr(1);
  }
  return out;
}

// What an upstream says back: the key as sent, in a query, every byte encoded, in JSON.
std::string echo(const std::string& key) {
  return key + " " + pct(key) + " " + pct_all(key) + " " + json_escaped(key);
}

// The needles: "sekrit" (in each key), and each key in each of its encodings.
void expect_no_secret(const std::string& where, const std::string& text) {
  std::vector<std::string> needles{"sekrit"};
  for (const std::string& key : {or_key, or2_key, pk_key, hf_key, admin_token})
    for (const std::string& form :
         {key, pct(key), pct_all(key), percent_encoded(key, true, "0123456789ABCDEF"),
          json_escaped(key)})
      needles.push_back(form);
  for (const std::string& needle : needles) {
    size_t at = text.find(needle);
    EXPECT_EQ(at, std::string::npos)
        << where << " shows '" << needle << "': ..."
        << text.substr(at == std::string::npos ? 0 : at - std::min<size_t>(at, 160), 320) << "...";
  }
}

std::string openrouter_page(const std::string& id, const std::string& next) {
  return R"({"data":[{"id":")" + id +
         R"(","pricing":{"prompt":"0.000001","completion":"0.000002"}}],"links":{"next":")" + next +
         R"("}})";
}

// OpenRouter with a links.next the plugin does not follow (not http): it warns, quoting it.
CannedReply openrouter_echoing(const SeenRequest&) {
  return {200,
          {{"X-Echo", or_key}},
          openrouter_page("a/one", "ftp://evil/?k=" + or_key + "&e=" + pct(or_key))};
}

// OpenRouter whose next page redirects to a third that fails, each carrying the key: the
// client retries (and logs it), then the plugin fails with the final URL and the body.
CannedReply openrouter_failing(const SeenRequest& r) {
  if (r.target.starts_with("/api/v1/models?page=2"))
    return {302, {{"Location", "/api/v1/models?page=3&key=" + pct(or2_key)}}, ""};
  if (r.target.starts_with("/api/v1/models?page=3"))
    return {500, {{"Retry-After", "0"}, {"X-Echo", or2_key}}, "no such key: " + echo(or2_key)};
  return {200, {}, openrouter_page("b/one", "/api/v1/models?page=2&api_key=" + pct(or2_key))};
}

CannedReply portkey_refusing(const SeenRequest&) {
  return {401, {}, R"({"error":"Invalid x-portkey-api-key: )" + echo(pk_key) + R"("})"};
}

// The Hub: its Link cursor holds the token and answers 503 once; the router on its origin
// (which gets the token) refuses, quoting it; the essential model is gone, quoting it.
FakeUpstream::Handler hub_echoing(std::atomic<int>& cursor_asked, const FakeUpstream*& self) {
  return [&cursor_asked, &self](const SeenRequest& r) -> CannedReply {
    if (r.target.find("cursor=2") != std::string::npos)
      return ++cursor_asked == 1 ? CannedReply{503, {{"Retry-After", "0"}}, "busy"}
                                 : CannedReply{200, {}, "[]"};
    if (r.target.starts_with("/v1/models"))
      return {403, {}, "token " + echo(hf_key) + " may not read this"};
    if (r.target.starts_with("/api/models/"))
      return {404, {}, R"({"error":"Repository not found for )" + echo(hf_key) + R"("})"};
    std::string next = self->url("/api/models?cursor=2&token=" + hf_key);
    return {200,
            {{"Link", "<" + next + ">; rel=\"next\""}},
            R"([{"id":"org/m1","pipeline_tag":"text-generation"}])"};
  };
}

std::string gateway_block(const std::string& name, const std::string& plugin,
                          const std::vector<std::pair<std::string, std::string>>& options) {
  std::string out = "[[gateways]]\nname = \"" + name + "\"\nplugin = \"" + plugin +
                    "\"\nmin_models = 1\n[gateways.options]\n";
  for (const auto& [key, value] : options) out += key + " = \"" + value + "\"\n";
  return out;
}

// Polls /v1/catalog/gateways until every gateway has fetched once (models or an error).
std::string settled_gateways(uint16_t port) {
  std::string body;
  for (int i = 0; i < 150; ++i) {
    body = test::http_get(port, "/v1/catalog/gateways").body;
    test::Json j(body);
    bool settled = true;
    for (auto g : j.items("data")) {
      std::string_view state = g["state"].get_string().value();
      settled = settled && (state == "fresh" || state == "error");
    }
    if (settled) return body;
    std::this_thread::sleep_for(100ms);
  }
  ADD_FAILURE() << "the gateways did not settle: " << body;
  return body;
}

TEST(Secrets, NoKeyAnUpstreamEchoesReachesTheApiOrTheLog) {
  test::ScopedEnv or_env("GATEHOUSE_TEST_OR_KEY", or_key.c_str());
  test::ScopedEnv or2_env("GATEHOUSE_TEST_OR2_KEY", or2_key.c_str());
  test::ScopedEnv pk_env("GATEHOUSE_TEST_PK_KEY", pk_key.c_str());
  test::ScopedEnv hf_env("GATEHOUSE_TEST_HF_KEY", hf_key.c_str());
  test::ScopedEnv admin_env("GATEHOUSE_ADMIN_TOKEN", admin_token.c_str());
  test::ScopedEnv level("GATEHOUSE_LOG_LEVEL", "debug");

  FakeUpstream openrouter(&openrouter_echoing);
  FakeUpstream orfail(&openrouter_failing);
  FakeUpstream portkey(&portkey_refusing);
  std::atomic<int> cursor_asked = 0;
  const FakeUpstream* hub_self = nullptr;
  FakeUpstream hub(hub_echoing(cursor_asked, hub_self));
  hub_self = &hub;

  test::TempDir dir;
  std::ofstream(dir.path() / "config.toml")
      << "[server]\nlisten = \"127.0.0.1:0\"\n[plugins]\ndir = \"" << GATEHOUSE_PLUGIN_DIR
      << "\"\n[cache]\ndir = \"" << (dir.path() / "cache").string()
      << "\"\nretry_initial_ms = 60000\n[http]\nmax_retries = 1\n"
      << gateway_block("openrouter", "openrouter",
                       {{"base_url", openrouter.url()}, {"api_key_env", "GATEHOUSE_TEST_OR_KEY"}})
      << gateway_block("orfail", "openrouter",
                       {{"base_url", orfail.url()}, {"api_key_env", "GATEHOUSE_TEST_OR2_KEY"}})
      << gateway_block("portkey", "portkey",
                       {{"base_url", portkey.url()}, {"api_key_env", "GATEHOUSE_TEST_PK_KEY"}})
      << gateway_block("hug", "huggingface",
                       {{"base_url", hub.url()},
                        {"router_url", hub.url()},
                        {"token_env", "GATEHOUSE_TEST_HF_KEY"},
                        {"sorts", "likes"}});
  test::Process server({test::gatehouse_binary, "--config", (dir.path() / "config.toml").string()});
  ASSERT_TRUE(server.wait_for_stderr("ready: serving", 10s)) << server.err();
  std::smatch found;
  std::string err = server.err();
  ASSERT_TRUE(std::regex_search(err, found, std::regex("http://127\\.0\\.0\\.1:([0-9]+)")));
  auto port = static_cast<uint16_t>(std::stoi(found[1]));

  std::string gateways = settled_gateways(port);
  // The run did reach every place a key was echoed into (else this test proves nothing).
  test::Json j(gateways);
  std::map<std::string, std::string> texts;
  for (auto g : j.items("data")) {
    std::string name(g["name"].get_string().value());
    texts[name] = simdjson::minify(g);
  }
  EXPECT_NE(texts["openrouter"].find("links.next of"), std::string::npos) << gateways;
  EXPECT_NE(texts["orfail"].find("HTTP 500 from"), std::string::npos) << gateways;
  EXPECT_NE(texts["portkey"].find("HTTP 401 from"), std::string::npos) << gateways;
  EXPECT_NE(texts["hug"].find("router: HTTP 403"), std::string::npos) << gateways;
  EXPECT_NE(texts["hug"].find("essential model"), std::string::npos) << gateways;
  EXPECT_GE(cursor_asked, 2) << "the Hub's cursor was retried";

  // A rebind that fails on the echoing upstream: its answer and the swap history.
  test::HttpResult rebind =
      test::http_request(port, "PUT", "/admin/gateways/openrouter/plugin",
                         {{"Authorization", "Bearer " + admin_token}},
                         R"({"plugin": "openrouter", "options": {"base_url": ")" + orfail.url() +
                             R"(", "api_key_env": "GATEHOUSE_TEST_OR2_KEY"}})");
  EXPECT_EQ(rebind.status, 422u) << rebind.body;
  expect_no_secret("the rebind's answer", rebind.body);

  std::vector<std::string> targets{"/v1/catalog/gateways",
                                   "/metrics",
                                   "/healthz",
                                   "/v1/models",
                                   "/v1/catalog/models",
                                   "/v1/catalog/models?gateway=openrouter",
                                   "/v1/catalog/models?gateway=hug",
                                   "/v1/catalog/models/a/one",
                                   "/v1/catalog/models/org/m1",
                                   "/",
                                   "/openapi.json"};
  for (const std::string& target : targets) {
    test::HttpResult r = test::http_get(port, target);
    EXPECT_EQ(r.status, 200u) << target;
    expect_no_secret("GET " + target, r.body);
    for (const auto& [name, value] : r.headers) expect_no_secret(target + " " + name, value);
  }
  EXPECT_NE(test::http_get(port, "/v1/catalog/gateways").body.find("\"swaps\":[{"),
            std::string::npos);

  EXPECT_EQ(server.stop(SIGTERM), 0);
  const std::string& log = server.err();
  EXPECT_NE(log.find("retry 1 of 1"), std::string::npos) << log;
  EXPECT_NE(log.find("<redacted>"), std::string::npos) << log;
  expect_no_secret("the log", log);
}

// check-plugin prints why the plugin would not start: a base_url holding the key its
// api_key_env names (a user's slip) is quoted without it, as the server's log would.
TEST(Secrets, CheckPluginLeavesOutTheKeysItsOptionsName) {
  test::ScopedEnv or_env("GATEHOUSE_TEST_OR_KEY", or_key.c_str());
  auto r =
      test::run({test::gatehouse_binary, "check-plugin", test::built_plugin("openrouter").string(),
                 "--option", "api_key_env=GATEHOUSE_TEST_OR_KEY", "--option",
                 "base_url=https://openrouter.ai/?key=" + pct(or_key)});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("got 'https://openrouter.ai/?key=<redacted>'"), std::string::npos) << r.err;
  expect_no_secret("check-plugin's output", r.out);
  expect_no_secret("check-plugin's errors", r.err);
}

}  // namespace
}  // namespace gatehouse
