// `gatehouse --check-config`: every gateway's plugin loaded and created with its options,
// each fault named, exit status 0 or 2; nothing fetched.
#include "app/check_config.hpp"
#include "harness/paths.hpp"
#include "harness/plugin_run.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace gatehouse {
namespace {

struct Outcome {
  int status;
  std::string out, err;
};

Outcome check(const test::TempDir& dir, const std::string& toml) {
  std::filesystem::path path = dir.path() / "config.toml";
  std::ofstream(path) << toml;
  std::ostringstream out, err;
  int status = check_config(path, out, err);
  return {status, out.str(), err.str()};
}

std::string gateways(const std::string& hug_options) {
  return "[server]\nlisten = \"[::1]:8123\"\n"
         "[[gateways]]\nname = \"hug\"\nplugin = \"" +
         test::built_plugin("huggingface").string() + "\"\n[gateways.options]\n" + hug_options +
         "\n[[gateways]]\nname = \"pk\"\nplugin = \"" + test::built_plugin("portkey").string() +
         "\"\nttl_s = 60\n";
}

TEST(CheckConfig, PrintsWhatWouldBeServedAndFetchesNothing) {
  test::TempDir dir;
  // An unreachable upstream: creating a plugin must not ask it anything.
  Outcome o = check(dir, gateways("base_url = \"http://127.0.0.1:9\""));
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_NE(o.out.find("would serve on http://[::1]:8123, snapshots in "), std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("gateway hug: huggingface 1.1.0 (ABI 1.1) from "), std::string::npos);
  EXPECT_NE(o.out.find("gateway pk: portkey 1.1.0 (ABI 1.1) from "), std::string::npos);
  EXPECT_NE(o.out.find("ttl_s 60, 0 option(s)"), std::string::npos);
  EXPECT_NE(o.out.find("ok: 2 gateway(s)\n"), std::string::npos);
}

TEST(CheckConfig, EachBadGatewayIsNamedAndTheOthersStillChecked) {
  test::TempDir dir;
  Outcome o = check(dir, gateways("bogus = \"1\"") +
                             "[[gateways]]\nname = \"gone\"\nplugin = \"/no/such/plugin.so\"\n");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("gateway hug: "), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("unknown option 'bogus'"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("gateway gone: plugin /no/such/plugin.so rejected"), std::string::npos)
      << o.err;
  EXPECT_NE(o.out.find("gateway pk: portkey"), std::string::npos) << "checked all the same";
  EXPECT_EQ(o.out.find("ok:"), std::string::npos);
}

TEST(CheckConfig, AConfigThatDoesNotLoadIsExitTwoWithItsReason) {
  test::TempDir dir;
  Outcome o = check(dir, "[server]\nlisten = \n");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("config.toml:2:"), std::string::npos) << o.err;
  EXPECT_EQ(o.out, "");
}

}  // namespace
}  // namespace gatehouse
