// What the server does with clients that misbehave: oversized, malformed, or slow.
#include "harness/json.hpp"
#include "harness/raw_client.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"
#include "support/gzip.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include <sys/resource.h>

#include <cstdlib>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

class HttpServerLimits : public ::testing::Test {
 protected:
  HttpServerLimits() : server_(config(), limits()) {}
  static Config config() {
    Config c;
    c.cache.dir = "/dev/null/gatehouse-test-cache";  // snapshots fail to write, even as root
    c.gateways.push_back(test::fixture_gateway("hug", test::test_data("fixture_models.json")));
    return c;
  }
  static ServerLimits limits() {
    ServerLimits l;
    l.read_timeout = 2s;
    l.idle_timeout = 300ms;
    return l;
  }
  test::TestServer server_;
};

TEST_F(HttpServerLimits, OversizedHeadersGet431AndTheConnectionCloses) {
  RawClient c(server_.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  std::string reply = c.read_until_closed(2s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply.substr(0, 100);
  EXPECT_NE(reply.find("request headers too large"), std::string::npos);
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpServerLimits, OversizedBodyGets413) {
  RawClient c(server_.port());
  c.send("POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n");
  std::string reply = c.read_until_closed(2s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 100);
}

TEST_F(HttpServerLimits, GarbageGets400) {
  RawClient c(server_.port());
  c.send("HELLO THERE\r\n\r\n");
  std::string reply = c.read_until_closed(2s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply.substr(0, 100);
  EXPECT_NE(reply.find("malformed HTTP request"), std::string::npos);
}

TEST_F(HttpServerLimits, ASlowClientIsDisconnected) {
  RawClient c(server_.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
  auto started = std::chrono::steady_clock::now();
  c.read_until_closed(5s);
  EXPECT_TRUE(c.closed());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  // Meanwhile everyone else is served.
  EXPECT_EQ(test::http_get(server_.port(), "/healthz").status, 200u);
}

// Hardening B9: HEAD was a 405 with a body, and the next answer on the connection desynced.
TEST_F(HttpServerLimits, HeadAnswersGetsHeadersWithoutTheBodyAndKeepsTheConnectionInStep) {
  std::string get = test::http_get(server_.port(), "/v1/models").body;
  RawClient c(server_.port());
  c.send(
      "HEAD /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  std::string reply = c.read_until_closed(2s);
  size_t end_of_head = reply.find("\r\n\r\n");
  ASSERT_NE(end_of_head, std::string::npos) << reply;
  std::string head = reply.substr(0, end_of_head);
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_NE(head.find("ETag: W/\""), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Length: " + std::to_string(get.size())), std::string::npos)
      << "the length GET would send\n"
      << head;
  std::string rest = reply.substr(end_of_head + 4);
  EXPECT_EQ(rest.rfind("HTTP/1.1 200", 0), 0u) << "no body, the next answer follows at once";
  EXPECT_NE(rest.find("{\"status\":\"ok\"}"), std::string::npos) << rest;
}

TEST_F(HttpServerLimits, KeepAliveServesSeveralRequestsOnOneConnection) {
  RawClient c(server_.port());
  c.send(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n"
      "Connection: close\r\n\r\n");
  std::string reply = c.read_until_closed(2s);
  size_t first = reply.find("HTTP/1.1 200");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(reply.find("HTTP/1.1 200", first + 1), std::string::npos) << reply;
  EXPECT_TRUE(c.closed());
}

// Hardening B12: idle connections held descriptors for the whole read_timeout (15 s).
TEST_F(HttpServerLimits, IdleConnectionsLetGoAfterTheIdleTimeoutNotTheReadTimeout) {
  for (bool kept_alive : {true, false}) {
    RawClient c(server_.port());
    if (kept_alive) c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    auto started = std::chrono::steady_clock::now();
    std::string reply = c.read_until_closed(4s);
    if (kept_alive) {
      EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u);
    }
    EXPECT_TRUE(c.closed());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms)
        << (kept_alive ? "kept alive" : "silent") << ": idle_timeout is 300 ms, read_timeout 2 s";
  }
}

// Hardening P15: an unknown or non-final Transfer-Encoding was taken as no body, and the
// bytes after it were parsed as the next request (the smuggling surface of RFC 9112 6.3).
TEST_F(HttpServerLimits, ATransferEncodingNotUnderstoodIs400AndTheConnectionCloses) {
  for (std::string coding : {"gzip", "xchunked", "chunked, identity", "identity", "gzip, chunked",
                             "chunked\r\nTransfer-Encoding: chunked"}) {
    RawClient c(server_.port());
    c.send("POST /v1/models HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
           "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string reply = c.read_until_closed(2s);
    EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << coding << "\n" << reply.substr(0, 200);
    EXPECT_EQ(reply.find("{\"status\":\"ok\"}"), std::string::npos)
        << coding << ": the smuggled request was answered";
    EXPECT_TRUE(c.closed()) << coding;
  }
  // Chunked beside a Content-Length: which one frames the body is the smuggler's question.
  RawClient both(server_.port());
  both.send(
      "POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(both.read_until_closed(2s).rfind("HTTP/1.1 400", 0), 0u);
  // A body in chunks is read as ever.
  RawClient chunked(server_.port());
  chunked.send(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
      "Connection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.read_until_closed(2s).rfind("HTTP/1.1 200", 0), 0u);
}

// Hardening P18: an HTTP/1.1 request without Host was answered 200 (RFC 9112 3.2: 400).
TEST_F(HttpServerLimits, AnHttp11RequestNeedsExactlyOneHost) {
  RawClient none(server_.port());
  none.send("GET /healthz HTTP/1.1\r\n\r\n");
  std::string reply = none.read_until_closed(2s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("missing Host header"), std::string::npos) << reply;
  RawClient two(server_.port());
  two.send("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  EXPECT_EQ(two.read_until_closed(2s).rfind("HTTP/1.1 400", 0), 0u);
  RawClient old(server_.port());  // HTTP/1.0 has no Host to require
  old.send("GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.read_until_closed(2s).rfind("HTTP/1.0 200", 0), 0u);
}

// Hardening P18: JSON answers lacked nosniff; /v1/catalog/gateways and /metrics were never
// gzipped.
TEST_F(HttpServerLimits, AnswersSayNosniffAndTheStatusRoutesAreGzipped) {
  for (std::string target : {"/healthz", "/v1/models", "/no/such/route"})
    EXPECT_EQ(test::http_get(server_.port(), target).header("x-content-type-options"), "nosniff")
        << target;
  for (std::string target : {"/v1/catalog/gateways", "/metrics"}) {
    auto plain = test::http_get(server_.port(), target);
    auto zipped = test::http_get(server_.port(), target, {{"Accept-Encoding", "gzip"}});
    EXPECT_EQ(zipped.header("vary"), "Accept-Encoding") << target;
    if (plain.body.size() < gzip_min_bytes) continue;  // too small to gain: plain
    EXPECT_EQ(zipped.header("content-encoding"), "gzip") << target;
    EXPECT_LT(zipped.body.size(), plain.body.size()) << target;
    EXPECT_EQ(test::gunzip(zipped.body).substr(0, 20), plain.body.substr(0, 20)) << target;
  }
}

// Hardening P18: a snapshot that could not be written (ENOSPC, a missing folder) was only
// logged; a restart without network would then find no catalog, and nobody was told.
TEST_F(HttpServerLimits, ASnapshotThatCannotBeWrittenIsShownInTheGatewaysStatus) {
  ASSERT_EQ(test::http_get(server_.port(), "/v1/models").status, 200u);  // fetched
  server_.wait_until_idle();
  test::Json gateways(test::http_get(server_.port(), "/v1/catalog/gateways").body);
  simdjson::dom::element hug = gateways["data"].at(0).value();
  std::string_view error = hug["snapshot_error"].get_string().value();
  EXPECT_NE(error.find("/dev/null/gatehouse-test-cache"), std::string_view::npos) << error;
  EXPECT_EQ(std::string_view(hug["state"].get_string().value()), "fresh") << "still serving";
}

// The same on a full disk: an 8 KB tmpfs, then room again (needs mount(2): root in CI).
TEST(SnapshotSpace, AFullDiskIsShownAndClearedOnceASnapshotIsWrittenAgain) {
  test::TempDir dir;
  std::filesystem::path disk = dir.path() / "disk";
  std::filesystem::create_directories(disk);
  std::string mount = "mount -t tmpfs -o size=8k tmpfs " + disk.string() + " 2>/dev/null";
  if (std::system(mount.c_str()) != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  struct Unmount {
    std::string path;
    ~Unmount() { std::system(("umount " + path).c_str()); }
  } unmount{disk.string()};
  Config c;
  c.cache.dir = disk;
  c.gateways.push_back(test::fixture_gateway("hug", test::test_data("hub_list_50.json")));
  test::TestServer server(c, {}, "token");
  auto snapshot_error = [&] {
    server.wait_until_idle();
    test::Json gateways(test::http_get(server.port(), "/v1/catalog/gateways").body);
    simdjson::dom::element e = gateways["data"].at(0)["snapshot_error"].value();
    return e.is_null() ? std::string() : std::string(e.get_string().value());
  };
  ASSERT_EQ(test::http_get(server.port(), "/v1/models").status, 200u);
  std::string full = snapshot_error();
  EXPECT_NE(full.find("No space left on device"), std::string::npos) << full;
  ASSERT_EQ(std::system(("mount -o remount,size=16m " + disk.string()).c_str()), 0);
  auto refresh = test::http_request(server.port(), "POST", "/admin/gateways/hug/refresh",
                                    {{"Authorization", "Bearer token"}});
  EXPECT_EQ(refresh.status, 200u) << refresh.body;
  EXPECT_EQ(snapshot_error(), "");
}

size_t open_descriptors() {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                           std::filesystem::directory_iterator{}));
}

std::chrono::microseconds cpu_used() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](timeval t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return us(u.ru_utime) + us(u.ru_stime);
}

// Hardening B12: out of file descriptors (ulimit -n 64, 100 idle connections) the acceptor
// spun a core on EMFILE and new clients timed out.
TEST_F(HttpServerLimits, OutOfDescriptorsTheAcceptorWaitsInsteadOfSpinning) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan's vptr check tests memory with a pipe: with no descriptor left it fails and calls
  // sound objects invalid (seen 1 run in 20 to 40 here). The release preset runs this test.
  GTEST_SKIP() << "needs free descriptors for the sanitizers' own checks";
#endif
  ASSERT_EQ(test::http_get(server_.port(), "/healthz").status, 200u);
  rlimit before{};
  getrlimit(RLIMIT_NOFILE, &before);
  rlimit tight = before;
  tight.rlim_cur = open_descriptors() + 12;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &tight), 0);
  // Clients until no descriptor is left: the last connection waits in the backlog for a
  // descriptor the server cannot have.
  std::vector<std::unique_ptr<RawClient>> idle;
  try {
    for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<RawClient>(server_.port()));
  } catch (const std::exception&) {
  }
  auto cpu = cpu_used();
  std::this_thread::sleep_for(250ms);  // less than idle_timeout: nobody lets go meanwhile
  EXPECT_LT(cpu_used() - cpu, 100ms) << "a core spinning on accept's EMFILE";
  idle.clear();
  setrlimit(RLIMIT_NOFILE, &before);
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(test::http_get(server_.port(), "/healthz").status, 200u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  std::string metrics = test::http_get(server_.port(), "/metrics").body;
  EXPECT_EQ(metrics.find("gatehouse_http_accept_pauses_total 0\n"), std::string::npos)
      << "the server did run out of descriptors";
}

}  // namespace
}  // namespace gatehouse
