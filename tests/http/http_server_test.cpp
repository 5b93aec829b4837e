// What the server does with clients that misbehave: oversized, malformed, or slow.
#include "harness/json.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;

// A raw socket, to send what no well-behaved client library would.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("connect failed");
  }
  ~RawClient() { close(fd_); }
  void send(const std::string& bytes) { ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // Everything the server sends until it closes, or until the timeout.
  std::string read_until_closed(std::chrono::milliseconds timeout) {
    std::string out;
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool closed_ = false;
};

class HttpServerLimits : public ::testing::Test {
 protected:
  HttpServerLimits() : server_(config(), limits()) {}
  static Config config() {
    Config c;
    c.cache.dir = "/nonexistent/gatehouse-test-cache";  // snapshots fail to write: logged only
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
