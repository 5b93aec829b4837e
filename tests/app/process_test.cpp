// The gatehouse binary as a user runs it: exit codes, messages, start-up and shutdown.
#include "harness/paths.hpp"
#include "harness/scoped_env.hpp"
#include "harness/subprocess.hpp"
#include "harness/test_client.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::gatehouse_binary;
using test::run;

TEST(Process, HelpAndVersion) {
  auto help = run({gatehouse_binary, "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("gatehouse check-plugin PLUGIN.so"), std::string::npos);
  auto version = run({gatehouse_binary, "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out, "gatehouse " GATEHOUSE_VERSION " (plugin ABI 1.1)\n");
}

TEST(Process, UsageErrorExitsWith2AndShowsUsage) {
  auto r = run({gatehouse_binary, "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gatehouse: unknown argument '--bogus'"), std::string::npos);
  EXPECT_NE(r.err.find("Usage:"), std::string::npos);
}

TEST(Process, CheckPluginExitStatusFollowsTheOutcome) {
  auto good = run({gatehouse_binary, "check-plugin", test::test_plugin("c_sample"), "--sample",
                   test::test_data("c_ids.txt")});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_NE(good.out.find("models:      2 emitted, 2 valid"), std::string::npos) << good.out;
  auto bad = run({gatehouse_binary, "check-plugin", test::test_plugin("bad_no_entry")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("no entry symbol"), std::string::npos) << bad.err;
  // Hardening B1: a truncated library killed check-plugin with SIGBUS (exit 135).
  test::TempDir dir;
  std::ifstream whole(test::test_plugin("c_sample"), std::ios::binary);
  std::string bytes(std::istreambuf_iterator<char>(whole), {});
  std::ofstream(dir.path() / "t.so", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  auto truncated = run({gatehouse_binary, "check-plugin", (dir.path() / "t.so").string()});
  EXPECT_EQ(truncated.exit_code, 1) << truncated.err;
  EXPECT_NE(truncated.err.find("rejected: truncated"), std::string::npos) << truncated.err;
}

TEST(Process, BadConfigIsReportedWithFileAndLine) {
  test::TempDir dir;
  std::ofstream(dir.path() / "config.toml") << "[server]\nlisten = \"nowhere\"\n";
  auto r = run({gatehouse_binary, "--config", (dir.path() / "config.toml").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("config.toml:2:10: server.listen must be IP:PORT"), std::string::npos)
      << r.err;
}

// One good gateway and one whose plugin is rejected: the host logs both, keeps running
// with the good one, and stops cleanly on SIGTERM and SIGINT.
void serve_until(int signal) {
  test::TempDir dir;
  std::ofstream(dir.path() / "config.toml")
      << "[plugins]\ndir = \"" << GATEHOUSE_TEST_PLUGIN_DIR << "\"\n"
      << "[[gateways]]\nname = \"hug\"\nplugin = \"fixture\"\n"
      << "[[gateways]]\nname = \"old\"\nplugin = \"bad_abi_minor\"\n"
      << "[[gateways]]\nname = \"gone\"\nplugin = \"./nowhere/p.so\"\n";
  test::Process server({gatehouse_binary, "--config", (dir.path() / "config.toml").string(),
                        "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(server.wait_for_stderr("ready:", 10s)) << server.err();
  const std::string& log = server.err();
  EXPECT_NE(log.find("gateway 'hug': plugin fixture 0.3.0 (ABI 1.1)"), std::string::npos) << log;
  EXPECT_NE(
      log.find("gateway 'old' disabled: plugin " + test::test_plugin("bad_abi_minor").string() +
               " rejected: built for ABI 1.2, this host speaks 1.1"),
      std::string::npos)
      << log;
  EXPECT_NE(log.find("gateway 'gone' disabled: plugin " + (dir.path() / "nowhere/p.so").string() +
                     " rejected: no such file"),
            std::string::npos)
      << log;
  size_t ready = log.find("ready: serving 3 gateway(s) on http://127.0.0.1:");
  ASSERT_NE(ready, std::string::npos) << log;
  int port = std::stoi(log.substr(log.find("127.0.0.1:", ready) + 10));
  auto health = test::http_get(static_cast<uint16_t>(port), "/healthz");
  EXPECT_EQ(health.status, 200u);
  auto gateways = test::http_get(static_cast<uint16_t>(port), "/v1/catalog/gateways");
  EXPECT_NE(gateways.body.find("built for ABI 1.2, this host speaks 1.1"), std::string::npos)
      << gateways.body;
  EXPECT_EQ(server.stop(signal), 0) << server.err();
  EXPECT_NE(server.err().find("stopping on"), std::string::npos);
}

TEST(Process, ServesWithTheGoodGatewaysAndStopsOnSigterm) { serve_until(SIGTERM); }

// The service manager's end of sd_notify(3): a datagram socket NOTIFY_SOCKET names.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path)
      : fd_(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("cannot bind " + path.string());
  }
  ~NotifySocket() { close(fd_); }
  // The next message, or "" when none came within `timeout`.
  std::string next(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
    char buf[256];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  int fd_;
};

// Hardening P14: the unit was Type=exec, so `systemctl restart && systemctl reload` could
// send SIGHUP while the process started, and SIGHUP's default action killed it. Now the
// server says READY=1 once it listens and takes signals (Type=notify waits for it), and a
// SIGHUP right after is a reload.
TEST(Process, TellsTheServiceManagerWhenReadyAndTakesASighupRightAfter) {
  test::TempDir dir;
  std::ofstream(dir.path() / "config.toml")
      << "[plugins]\ndir = \"" << GATEHOUSE_TEST_PLUGIN_DIR << "\"\n"
      << "[[gateways]]\nname = \"hug\"\nplugin = \"fixture\"\n";
  NotifySocket manager(dir.path() / "notify");
  test::ScopedEnv notify("NOTIFY_SOCKET", (dir.path() / "notify").c_str());
  test::Process server({gatehouse_binary, "--config", (dir.path() / "config.toml").string(),
                        "--listen", "127.0.0.1:0"});
  EXPECT_EQ(manager.next(20s), "READY=1") << server.err();
  server.signal(SIGHUP);
  EXPECT_TRUE(server.wait_for_stderr("SIGHUP: reloading", 10s)) << server.err();
  EXPECT_EQ(server.stop(SIGTERM), 0) << server.err();
  EXPECT_EQ(manager.next(1s), "STOPPING=1");
}
TEST(Process, StopsOnSigint) { serve_until(SIGINT); }

}  // namespace
}  // namespace gatehouse
