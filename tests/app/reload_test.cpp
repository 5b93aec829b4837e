// Re-reading config.toml at run time (POST /admin/reload, and SIGHUP in the real binary):
// the difference is applied, a broken config changes nothing, a rebuilt .so is rebound.
#include "harness/fake_upstream.hpp"
#include "harness/json.hpp"
#include "harness/plugin_run.hpp"
#include "harness/scoped_env.hpp"
#include "harness/subprocess.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <future>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::CannedReply;
using test::FakeUpstream;
using test::Json;
using test::SeenRequest;

const std::string token = "reload-token";

class Reload : public ::testing::Test {
 protected:
  Reload()
      : key_("PORTKEY_API_KEY", "pk-test"),
        portkey_list_(test::read_bytes(test::fixture("portkey/models.json"))),
        portkey_([this](const SeenRequest&) {
          return CannedReply{200, {}, portkey_list_};
        }) {
    std::filesystem::create_directories(dir_.path() / "plugins");
    std::filesystem::copy_file(test::built_plugin("portkey"), dir_.path() / "plugins/portkey.so");
    std::filesystem::copy_file(test::test_plugin("fixture"), dir_.path() / "plugins/fix.so");
  }

  std::filesystem::path file() const { return dir_.path() / "config.toml"; }

  // hug on the fixture plugin, plus whatever the test adds.
  void write_config(const std::string& extra, const std::string& hug_extra = "") {
    std::ofstream(file(), std::ios::trunc)
        << "[plugins]\ndir = \"plugins\"\n[cache]\ndir = \"cache\"\n"
        << "[[gateways]]\nname = \"hug\"\nplugin = \"fix\"\n"
        << hug_extra << "[gateways.options]\nfile = \""
        << test::test_data("fixture_models.json").string() << "\"\n"
        << extra;
  }
  std::string portkey_block(const std::string& name, const std::string& patterns) const {
    return "[[gateways]]\nname = \"" + name + "\"\nplugin = \"portkey\"\n[gateways.options]\n" +
           "base_url = \"" + portkey_.url() + "\"\n" +
           (patterns.empty() ? "" : "patterns = " + patterns + "\n");
  }

  // [gateways.options] lines that hold each fetch while hold_ exists and log it to log_.
  std::string held_fetches() const {
    return "hold_while = \"" + hold_.string() + "\"\nlog_file = \"" + log_.string() + "\"\n";
  }
  // Starts an admin refresh of hug and returns once it is in the plugin, held there.
  std::future<test::HttpResult> held_refresh(test::TestServer& server) {
    server.wait_until_idle();
    std::ofstream(hold_) << "hold\n";
    long before = fetches_started();
    auto refresh = std::async(std::launch::async, [&server] {
      return test::http_request(server.port(), "POST", "/admin/gateways/hug/refresh",
                                {{"Authorization", "Bearer " + token}});
    });
    for (int i = 0; i < 1000 && fetches_started() == before; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(fetches_started(), before + 1) << "the refresh is in the plugin, held";
    return refresh;
  }
  void release() const { std::filesystem::remove(hold_); }
  long fetches_started() const {
    std::ifstream in(log_);
    return std::count(std::istreambuf_iterator<char>(in), {}, '\n');
  }

  static test::HttpResult reload(const test::TestServer& s) {
    return test::http_request(s.port(), "POST", "/admin/reload",
                              {{"Authorization", "Bearer " + token}});
  }
  static int64_t total(const test::TestServer& s, const std::string& gateway) {
    auto r = test::http_get(s.port(), "/v1/catalog/models?gateway=" + gateway);
    if (r.status != 200) return -static_cast<int64_t>(r.status);
    return int64_t(Json(r.body)["total"]);
  }

  test::TempDir dir_;
  std::filesystem::path hold_ = dir_.path() / "hold", log_ = dir_.path() / "fetches.log";
  test::ScopedEnv key_;
  std::string portkey_list_;
  FakeUpstream portkey_;
};

TEST_F(Reload, AppliesTheDifferenceAndRejectsABrokenConfigWhole) {
  write_config("");
  test::TestServer server(load_config(file()), {}, token);
  ASSERT_EQ(total(server, "hug"), 5);

  // The documented rollback, and a new gateway, in one edit.
  std::ofstream(file(), std::ios::trunc)
      << "[plugins]\ndir = \"plugins\"\n[cache]\ndir = \"cache\"\n"
      << portkey_block("hug", "[\"llava-hf\", \"hugging\", \"hf/\"]")
      << portkey_block("portkey", "");
  auto r = reload(server);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("rebound hug (fixture 0.3.0 -> portkey 1.1.0): ok"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("added portkey"), std::string::npos) << r.body;
  EXPECT_EQ(total(server, "hug"), 2);
  EXPECT_TRUE(std::async(std::launch::async, [&] {
                for (int i = 0; i < 300; ++i, std::this_thread::sleep_for(10ms))
                  if (total(server, "portkey") == 203) return true;
                return false;
              }).get());

  // A typo: rejected as a whole, with the file, line and key; nothing changes.
  std::ofstream(file(), std::ios::app)
      << "[[gateways]]\nname = \"x\"\nplugin = \"portkey\"\nttl = 5\n";
  auto broken = reload(server);
  EXPECT_EQ(broken.status, 400u);
  EXPECT_NE(broken.body.find("config rejected, nothing changed: "), std::string::npos);
  EXPECT_NE(broken.body.find("config.toml:"), std::string::npos);
  EXPECT_NE(broken.body.find("unknown key 'gateways[2].ttl'"), std::string::npos) << broken.body;
  EXPECT_EQ(total(server, "hug"), 2);
  EXPECT_EQ(total(server, "portkey"), 203);

  // Removing a gateway, and a TTL change that needs no refetch.
  std::string block = portkey_block("hug", "[\"llava-hf\", \"hugging\", \"hf/\"]");
  std::ofstream(file(), std::ios::trunc)
      << "[plugins]\ndir = \"plugins\"\n[cache]\ndir = \"cache\"\n"
      << block.insert(block.find("[gateways.options]"), "ttl_s = 60\n");
  auto removed = reload(server);
  ASSERT_EQ(removed.status, 200u) << removed.body;
  EXPECT_NE(removed.body.find("removed portkey"), std::string::npos) << removed.body;
  EXPECT_NE(removed.body.find("reconfigured hug"), std::string::npos) << removed.body;
  EXPECT_EQ(total(server, "portkey"), -400);
  EXPECT_EQ(total(server, "hug"), 2);
}

// Hardening B7: an emptied config.toml answered 200 and removed every gateway; a changed
// [cache] went unnoticed, so re-added gateways wrote snapshots to the old folder.
TEST_F(Reload, AConfigWithoutGatewaysOrWithAnotherCacheIsRefusedWhole) {
  write_config("");
  test::TestServer server(load_config(file()), {}, token);
  ASSERT_EQ(total(server, "hug"), 5);
  std::ofstream(file(), std::ios::trunc) << "";
  auto emptied = reload(server);
  EXPECT_EQ(emptied.status, 400u);
  EXPECT_NE(emptied.body.find("no gateways; a reload never removes them all"), std::string::npos)
      << emptied.body;
  EXPECT_EQ(total(server, "hug"), 5);

  write_config("");
  std::string text = test::read_bytes(file());
  text.replace(text.find("dir = \"cache\""), 13, "dir = \"elsewhere\"");
  std::ofstream(file(), std::ios::trunc) << text;
  auto moved = reload(server);
  EXPECT_EQ(moved.status, 400u);
  EXPECT_NE(moved.body.find("[cache] changed"), std::string::npos) << moved.body;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "elsewhere"));
  EXPECT_EQ(total(server, "hug"), 5);

  // What a reload cannot apply, it says: [http] waits for a restart.
  write_config("");
  std::ofstream(file(), std::ios::app) << "[http]\ntimeout_ms = 5000\n";
  auto later = reload(server);
  EXPECT_EQ(later.status, 200u) << later.body;
  EXPECT_NE(later.body.find("[http] changed: applies at the next restart"), std::string::npos)
      << later.body;
}

TEST_F(Reload, ARebuiltPluginFileIsRebound) {
  write_config("");
  test::TestServer server(load_config(file()), {}, token);
  ASSERT_EQ(total(server, "hug"), 5);
  std::this_thread::sleep_for(20ms);  // a new build has a new modification time
  std::filesystem::copy_file(test::test_plugin("fixture_v2"), dir_.path() / "plugins/fix.so",
                             std::filesystem::copy_options::overwrite_existing);
  auto r = reload(server);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("rebound hug (fixture 0.3.0 -> fixture 0.4.0): ok"), std::string::npos)
      << r.body;
  Json g(test::http_get(server.port(), "/v1/catalog/gateways").body);
  EXPECT_EQ(std::string_view(g["data"].at(0)["plugin"]["version"]), "0.4.0");
  EXPECT_EQ(reload(server).body, "{\"outcome\":\"ok\",\"changes\":[]}") << "nothing new";
}

// A fetch still running on the old plugin when the swap lands: it finishes on the code
// it started with, its result is dropped, and the old library goes when it is done.
TEST_F(Reload, ASwapDuringASlowFetchFinishesCleanly) {
  write_config(held_fetches());
  test::TestServer server(load_config(file()), {}, token);
  ASSERT_EQ(total(server, "hug"), 5);
  auto refresh = held_refresh(server);
  // The swap runs on another fetch thread while the refresh is held in the old plugin.
  auto swap = test::http_request(server.port(), "PUT", "/admin/gateways/hug/plugin",
                                 {{"Authorization", "Bearer " + token}},
                                 R"({"plugin": "portkey", "options": {"base_url": ")" +
                                     portkey_.url() + R"(", "patterns": ["llava-hf"]}})");
  ASSERT_EQ(swap.status, 200u) << swap.body;
  EXPECT_EQ(refresh.wait_for(0ms), std::future_status::timeout) << "still held";
  release();
  auto refreshed = refresh.get();
  EXPECT_EQ(refreshed.status, 502u);
  EXPECT_NE(refreshed.body.find("rebound meanwhile"), std::string::npos) << refreshed.body;
  EXPECT_EQ(total(server, "hug"), 2) << "the slow old fetch did not overwrite the new catalog";
}

// Hardening B2: refreshes of one gateway queued on the fetch threads until none was left
// for the others, a reload or SIGHUP. One fetch per gateway runs; the rest are told so.
TEST_F(Reload, ASecondRefreshWhileOneRunsIsAConflictNotAQueue) {
  write_config(held_fetches());
  test::TestServer server(load_config(file()), {}, token);
  ASSERT_EQ(total(server, "hug"), 5);
  auto first = held_refresh(server);
  for (int i = 0; i < 4; ++i) {
    auto again = test::http_request(server.port(), "POST", "/admin/gateways/hug/refresh",
                                    {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(again.status, 409u) << again.body;
    EXPECT_NE(again.body.find("a fetch of gateway 'hug' is running"), std::string::npos);
  }
  auto r = reload(server);  // a fetch thread is still free for it
  EXPECT_EQ(r.status, 200u) << r.body;
  release();
  EXPECT_EQ(first.get().status, 200u);
}

// Review of B2: rebinds and reloads queued on the change lock, each holding a fetch thread
// for as long as a hanging fetch took. One runs; the others are told so at once.
TEST_F(Reload, ARebindOrReloadWhileARebindRunsIsAConflict) {
  write_config(held_fetches());
  test::TestServer server(load_config(file()), {}, token);
  ASSERT_EQ(total(server, "hug"), 5);
  server.wait_until_idle();
  std::ofstream(hold_) << "hold\n";
  test::Headers auth{{"Authorization", "Bearer " + token}};
  std::string body = R"({"plugin": "fix", "options": {"file": ")" +
                     test::test_data("hub_list_50.json").string() + R"(", "hold_while": ")" +
                     hold_.string() + R"(", "log_file": ")" + log_.string() + R"("}})";
  long before = fetches_started();
  auto first = std::async(std::launch::async, [&] {
    return test::http_request(server.port(), "PUT", "/admin/gateways/hug/plugin", auth, body);
  });
  for (int i = 0; i < 1000 && fetches_started() == before; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(fetches_started(), before + 1) << "the first rebind is in its fetch, held";
  auto second = test::http_request(server.port(), "PUT", "/admin/gateways/hug/plugin", auth, body);
  EXPECT_EQ(second.status, 409u) << second.body;
  EXPECT_NE(second.body.find("another rebind or reload is running"), std::string::npos);
  auto reloaded = reload(server);
  EXPECT_EQ(reloaded.status, 409u) << reloaded.body;
  release();
  EXPECT_EQ(first.get().status, 200u);
  EXPECT_EQ(total(server, "hug"), 50);
}

// A new TTL keeps the plugin instance: a refresh running on it still counts.
TEST_F(Reload, AReconfigureDuringARefreshKeepsTheRefreshedCatalog) {
  write_config(held_fetches(), "ttl_s = 60\n");
  test::TestServer server(load_config(file()), {}, token);
  ASSERT_EQ(total(server, "hug"), 5);
  auto refresh = held_refresh(server);
  write_config(held_fetches(), "ttl_s = 120\n");
  auto r = reload(server);
  EXPECT_NE(r.body.find("reconfigured hug"), std::string::npos) << r.body;
  release();
  auto refreshed = refresh.get();
  EXPECT_EQ(refreshed.status, 200u) << refreshed.body;
  Json g(test::http_get(server.port(), "/v1/catalog/gateways").body);
  EXPECT_EQ(int64_t(g["data"].at(0)["ttl_s"]), 120);
  EXPECT_EQ(std::string_view(g["data"].at(0)["state"]), "fresh");
}

TEST(ReloadProcess, SighupAppliesAGoodConfigAndIgnoresABrokenOne) {
  test::TempDir dir;
  auto file = dir.path() / "config.toml";
  auto write = [&](const std::string& extra) {
    std::ofstream(file, std::ios::trunc)
        << "[plugins]\ndir = \"" << GATEHOUSE_TEST_PLUGIN_DIR << "\"\n"
        << "[[gateways]]\nname = \"hug\"\nplugin = \"fixture\"\n"
        << extra << "[gateways.options]\nfile = \""
        << test::test_data("fixture_models.json").string() << "\"\n";
  };
  write("");
  test::Process server(
      {test::gatehouse_binary, "--config", file.string(), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.wait_for_stderr("5 models from fixture", 10s)) << server.err();
  write("ttl = 5\n");  // a typo
  server.signal(SIGHUP);
  ASSERT_TRUE(server.wait_for_stderr("reload rejected, nothing changed: ", 10s)) << server.err();
  EXPECT_NE(server.err().find("unknown key 'gateways[0].ttl'"), std::string::npos);
  write("ttl_s = 60\n");
  server.signal(SIGHUP);
  ASSERT_TRUE(server.wait_for_stderr("reload: reconfigured hug", 10s)) << server.err();
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.err();
}

// Hardening B13: a SIGHUP during start-up killed the process (exit 129): the handler came
// with the server, after the plugins and snapshots. Now the signal waits for the watcher.
TEST(ReloadProcess, ASighupDuringStartUpIsTakenOnceReady) {
  test::TempDir dir;
  auto file = dir.path() / "config.toml";
  std::ofstream(file) << "[plugins]\ndir = \"" << GATEHOUSE_TEST_PLUGIN_DIR << "\"\n"
                      << "[[gateways]]\nname = \"hug\"\nplugin = \"fixture\"\n"
                      << "[[gateways]]\nname = \"c\"\nplugin = \"c_sample\"\n";
  test::Process server(
      {test::gatehouse_binary, "--config", file.string(), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.wait_for_stderr("starting with", 10s)) << server.err();
  server.signal(SIGHUP);  // while the plugins load
  ASSERT_TRUE(server.wait_for_stderr("reload: nothing changed", 10s)) << server.err();
  EXPECT_TRUE(server.wait_for_stderr("ready:", 10s)) << server.err();
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.err();
}

}  // namespace
}  // namespace gatehouse
