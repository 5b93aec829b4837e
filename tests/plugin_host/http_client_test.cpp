// The host's HTTP client against fake upstreams on 127.0.0.1.
#include "plugin_host/http_client.hpp"
#include "harness/fake_upstream.hpp"
#include "harness/paths.hpp"
#include "harness/scoped_env.hpp"
#include "support/gzip.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::CannedReply;
using test::FakeUpstream;
using test::ScopedEnv;
using test::SeenRequest;
using Clock = std::chrono::steady_clock;

HttpClientSettings quick() {
  HttpClientSettings s;
  s.timeout = 10s;
  s.retry_base = 10ms;
  return s;
}

std::string header(const HttpClientResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "";
}

TEST(HttpClient, GetsBodyHeadersAndSendsItsOwn) {
  FakeUpstream up([](const SeenRequest&) {
    return CannedReply{200, {{"Link", "<x>; rel=\"next\""}}, "[1,2]"};
  });
  HttpClient client(quick());
  auto r = client.get(up.url("/api/models?limit=2"), {{"Authorization", "Bearer t"}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "[1,2]");
  EXPECT_EQ(header(r, "Link"), "<x>; rel=\"next\"");
  EXPECT_EQ(r.url, up.url("/api/models?limit=2"));
  auto seen = up.requests().at(0);
  EXPECT_EQ(seen.target, "/api/models?limit=2");
  EXPECT_EQ(seen.headers["authorization"], "Bearer t");
  EXPECT_EQ(seen.headers["accept-encoding"], "gzip");
  EXPECT_EQ(seen.headers["host"], "127.0.0.1:" + std::to_string(up.port()));
}

TEST(HttpClient, DecompressesGzipBodies) {
  std::string body(100000, 'x');
  FakeUpstream up([&](const SeenRequest&) {
    return CannedReply{200, {{"Content-Encoding", "gzip"}}, gzip(body)};
  });
  EXPECT_EQ(HttpClient(quick()).get(up.url("/"), {}).body, body);
}

TEST(HttpClient, FollowsRedirectsButNotForever) {
  FakeUpstream up([](const SeenRequest& r) {
    if (r.target == "/old") return CannedReply{301, {{"Location", "/new?x=1"}}, ""};
    if (r.target == "/loop") return CannedReply{302, {{"Location", "/loop"}}, ""};
    return CannedReply{200, {}, "here"};
  });
  HttpClient client(quick());
  auto r = client.get(up.url("/old"), {});
  EXPECT_EQ(r.body, "here");
  EXPECT_EQ(r.url, up.url("/new?x=1"));
  try {
    client.get(up.url("/loop"), {});
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(std::string(e.what()), "more than 5 redirects from " + up.url("/loop"));
  }
}

// Hardening B3: a redirect to another origin received the caller's Authorization.
TEST(HttpClient, ARedirectToAnotherOriginGoesWithoutTheCallersCredentials) {
  FakeUpstream elsewhere([](const SeenRequest&) { return CannedReply{200, {}, "there"}; });
  FakeUpstream up([&](const SeenRequest& r) {
    if (r.target == "/away") return CannedReply{302, {{"Location", elsewhere.url("/x")}}, ""};
    if (r.target == "/near") return CannedReply{302, {{"Location", "/here"}}, ""};
    return CannedReply{200, {}, "here"};
  });
  HttpHeaders headers{{"Authorization", "Bearer secret"},
                      {"x-portkey-api-key", "pk-secret"},
                      {"Accept", "application/json"}};
  HttpClient client(quick());
  EXPECT_EQ(client.get(up.url("/near"), headers).body, "here");
  EXPECT_EQ(up.requests().back().headers["authorization"], "Bearer secret") << "same origin";
  EXPECT_EQ(client.get(up.url("/away"), headers).body, "there");
  ASSERT_EQ(elsewhere.requests().size(), 1u);
  auto seen = elsewhere.requests()[0].headers;
  EXPECT_EQ(seen.count("authorization"), 0u);
  EXPECT_EQ(seen.count("x-portkey-api-key"), 0u);
  EXPECT_EQ(seen["accept"], "application/json") << "what says nothing about who asks stays";
}

TEST(HttpClient, RetriesA500ThenSucceeds) {
  std::atomic<int> calls = 0;
  FakeUpstream up([&](const SeenRequest&) {
    return ++calls == 1 ? CannedReply{500, {}, "oops"} : CannedReply{200, {}, "ok"};
  });
  EXPECT_EQ(HttpClient(quick()).get(up.url("/"), {}).body, "ok");
  EXPECT_EQ(calls, 2);
}

// Hardening P7: the retry line names the URL, which may hold a key an upstream echoed
// into a link; it leaves out the caller's secrets and its credential headers.
TEST(HttpClient, ItsRetryLineLeavesOutTheCallersSecrets) {
  std::atomic<int> calls = 0;
  FakeUpstream up([&](const SeenRequest&) {
    return ++calls == 1 ? CannedReply{500, {}, "oops"} : CannedReply{200, {}, "ok"};
  });
  Redactor secrets;
  secrets.add("from-env-sekrit");
  testing::internal::CaptureStderr();
  HttpClient(quick()).get(up.url("/p?k=from-env-sekrit&h=hdr%2Dsekrit"),
                          {{"Authorization", "Bearer hdr-sekrit"}}, 0ms, &secrets);
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("/p?k=<redacted>&h=<redacted> answered HTTP 500; retry 1"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("sekrit"), std::string::npos) << log;
}

TEST(HttpClient, WaitsAsTheHubsRateLimitHeaderSays) {
  std::atomic<int> calls = 0;
  FakeUpstream up([&](const SeenRequest&) {
    if (++calls == 1) return CannedReply{429, {{"RateLimit", "\"api\";r=0;t=1"}}, "slow down"};
    return CannedReply{200, {}, "ok"};
  });
  auto started = Clock::now();
  EXPECT_EQ(HttpClient(quick()).get(up.url("/"), {}).body, "ok");
  EXPECT_GE(Clock::now() - started, 1s);
  EXPECT_EQ(calls, 2);
}

TEST(HttpClient, RetryAfterIsHonoured) {
  EXPECT_EQ(retry_wait_from_headers({{"Retry-After", "7"}}), 7s);
  EXPECT_EQ(retry_wait_from_headers({{"ratelimit", "\"api\";r=0;t=55"}}), 55s);
  EXPECT_EQ(retry_wait_from_headers({{"RateLimit", "\"api\";r=10"}}), std::nullopt);
  EXPECT_EQ(retry_wait_from_headers({{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}),
            std::nullopt);
}

// Hardening B4: numbers past any int64 or any sensible wait stand for "longer than this
// request may take": no overflow (UBSan aborted here), no retry at once.
TEST(HttpClient, HugeWaitsAreClampedNotOverflowed) {
  EXPECT_EQ(retry_wait_from_headers({{"Retry-After", "99999999999999"}}), 24h);
  EXPECT_EQ(retry_wait_from_headers({{"Retry-After", "99999999999999999999999999"}}), 24h);
  EXPECT_EQ(retry_wait_from_headers({{"RateLimit", "\"api\";r=0;t=9223372036854775807"}}), 24h);
  EXPECT_EQ(retry_wait_from_headers({{"Retry-After", "-5"}}), std::nullopt);
  EXPECT_EQ(retry_wait_from_headers({{"Retry-After", "-99999999999999999999999"}}), std::nullopt);
  for (std::string header : {"Retry-After: 99999999999999", "RateLimit: x;t=9223372036854775807"}) {
    std::atomic<int> calls = 0;
    size_t colon = header.find(':');
    FakeUpstream up([&](const SeenRequest&) {
      ++calls;
      return CannedReply{429, {{header.substr(0, colon), header.substr(colon + 2)}}, ""};
    });
    auto started = Clock::now();
    EXPECT_EQ(HttpClient(quick()).get(up.url("/"), {}, 2s).status, 429u) << header;
    EXPECT_EQ(calls, 1) << header << ": the wait does not fit the request's time: no retry";
    EXPECT_LT(Clock::now() - started, 1s) << header;
  }
}

TEST(HttpClient, GivesTheLastAnswerWhenRetriesRunOut) {
  std::atomic<int> calls = 0;
  FakeUpstream up([&](const SeenRequest&) {
    ++calls;
    return CannedReply{503, {}, "down"};
  });
  HttpClientSettings s = quick();
  s.max_retries = 2;
  auto r = HttpClient(s).get(up.url("/"), {});
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.body, "down");
  EXPECT_EQ(calls, 3);
}

TEST(HttpClient, DoesNotWaitPastItsTimeout) {
  FakeUpstream up([](const SeenRequest&) { return CannedReply{429, {{"Retry-After", "30"}}, ""}; });
  auto started = Clock::now();
  EXPECT_EQ(HttpClient(quick()).get(up.url("/"), {}, 2s).status, 429u);
  EXPECT_LT(Clock::now() - started, 2s);
}

TEST(HttpClient, StopEndsAWaitBetweenRetries) {
  FakeUpstream up([](const SeenRequest&) { return CannedReply{503, {{"Retry-After", "30"}}, ""}; });
  HttpClient client(quick());
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    client.stop();
  });
  auto started = Clock::now();
  try {
    client.get(up.url("/"), {}, 60s);
    ADD_FAILURE() << "expected the stop to end the request";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), HttpError::Kind::stopped);
  }
  stopper.join();
  EXPECT_LT(Clock::now() - started, 5s);
}

// The first connection is dropped before any answer (a reset upstream); the retry works.
TEST(HttpClient, ADroppedConnectionIsRetried) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  listen(listener, 4);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread server([listener] {
    close(accept(listener, nullptr, nullptr));  // dropped without a word
    int second = accept(listener, nullptr, nullptr);
    char buf[4096];
    recv(second, buf, sizeof buf, 0);
    std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    send(second, ok.data(), ok.size(), MSG_NOSIGNAL);
    close(second);
  });
  auto r = HttpClient(quick()).get("http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), {});
  server.join();
  close(listener);
  EXPECT_EQ(r.body, "ok");
}

TEST(HttpClient, ConnectFailureSaysWhere) {
  uint16_t port;
  {
    FakeUpstream closed([](const SeenRequest&) { return CannedReply{}; });
    port = closed.port();
  }
  HttpClientSettings s = quick();
  s.max_retries = 1;
  try {
    HttpClient(s).get("http://127.0.0.1:" + std::to_string(port) + "/x", {});
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), HttpError::Kind::connect);
    EXPECT_EQ(std::string(e.what()),
              "connect to 127.0.0.1:" + std::to_string(port) + " failed: Connection refused");
  }
}

TEST(HttpClient, ASlowUpstreamTimesOut) {
  FakeUpstream up([](const SeenRequest&) { return CannedReply{200, {}, "late", 1s}; });
  HttpClientSettings s = quick();
  s.max_retries = 0;
  auto started = Clock::now();
  try {
    HttpClient(s).get(up.url("/slow"), {}, 300ms);
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), HttpError::Kind::timeout);
    EXPECT_EQ(std::string(e.what()),
              "reading the response of GET " + up.url("/slow") + " timed out");
  }
  EXPECT_LT(Clock::now() - started, 2s);
}

TEST(HttpClient, CapsTheResponseSize) {
  FakeUpstream up([](const SeenRequest&) { return CannedReply{200, {}, std::string(5000, 'x')}; });
  HttpClientSettings s = quick();
  s.max_response_bytes = 4096;
  EXPECT_THROW(HttpClient(s).get(up.url("/"), {}), HttpError);
  FakeUpstream bomb([](const SeenRequest&) {
    return CannedReply{200, {{"Content-Encoding", "gzip"}}, gzip(std::string(100000, 'x'))};
  });
  try {
    HttpClient(s).get(bomb.url("/"), {});
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), HttpError::Kind::too_large);
  }
}

TEST(HttpClient, RejectsWhatIsNotAnHttpUrl) {
  for (const char* url : {"ftp://example.com/x", "not a url", "http:///nohost"}) {
    try {
      HttpClient(quick()).get(url, {});
      FAIL() << url;
    } catch (const HttpError& e) {
      EXPECT_EQ(e.kind(), HttpError::Kind::bad_url) << url;
    }
  }
}

TEST(HttpClient, GoesThroughHttpProxyUnlessNoProxySaysOtherwise) {
  FakeUpstream proxy([](const SeenRequest&) { return CannedReply{200, {}, "via proxy"}; });
  FakeUpstream origin([](const SeenRequest&) { return CannedReply{200, {}, "direct"}; });
  ScopedEnv http_proxy("HTTP_PROXY", proxy.url().c_str());
  ScopedEnv lower("http_proxy", nullptr);
  {
    ScopedEnv no_proxy("NO_PROXY", "example.com,.internal");
    EXPECT_EQ(HttpClient(quick()).get(origin.url("/a?b=1"), {}).body, "via proxy");
    EXPECT_EQ(proxy.requests().at(0).target, origin.url("/a?b=1")) << "absolute form";
  }
  {
    ScopedEnv no_proxy("NO_PROXY", "localhost, 127.0.0.1");
    EXPECT_EQ(HttpClient(quick()).get(origin.url("/a"), {}).body, "direct");
  }
}

class HttpsClient : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    identity_ = new test::TlsIdentity(test::make_self_signed_identity());
  }
  static void TearDownTestSuite() { delete identity_; }
  static inline test::TlsIdentity* identity_ = nullptr;
};

TEST_F(HttpsClient, RefusesACertificateNoTrustedAuthoritySigned) {
  FakeUpstream up([](const SeenRequest&) { return CannedReply{200, {}, "secret"}; }, *identity_);
  HttpClientSettings s = quick();
  s.max_retries = 0;
  try {
    HttpClient(s).get(up.url("/"), {});
    FAIL();
  } catch (const HttpError& e) {
    EXPECT_EQ(e.kind(), HttpError::Kind::tls);
    EXPECT_NE(std::string(e.what()).find(
                  "TLS handshake with 127.0.0.1 failed: certificate verify failed"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(HttpsClient, TrustsItWithTheConfiguredCaFile) {
  FakeUpstream up([](const SeenRequest&) { return CannedReply{200, {}, "secret"}; }, *identity_);
  test::TempDir dir;
  std::ofstream(dir.path() / "ca.pem") << identity_->certificate_pem;
  HttpClientSettings s = quick();
  s.ca_file = dir.path() / "ca.pem";
  auto r = HttpClient(s).get(up.url("/models"), {});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, "secret");
  EXPECT_EQ(up.requests().at(0).target, "/models");
}

TEST_F(HttpsClient, RefusesACertificateForAnotherHost) {
  test::TlsIdentity other = test::make_self_signed_identity("127.0.0.2");
  FakeUpstream up([](const SeenRequest&) { return CannedReply{200, {}, "secret"}; }, other);
  test::TempDir dir;
  std::ofstream(dir.path() / "ca.pem") << other.certificate_pem;
  HttpClientSettings s = quick();
  s.ca_file = dir.path() / "ca.pem";
  s.max_retries = 0;
  EXPECT_THROW(HttpClient(s).get(up.url("/"), {}), HttpError);
}

// A one-connection HTTP CONNECT proxy: records the CONNECT line, then relays bytes.
class ConnectProxy {
 public:
  ConnectProxy() : listen_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listen_, 1);
    getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { relay_one(); });
  }
  ~ConnectProxy() {
    shutdown(listen_, SHUT_RDWR);
    close(listen_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string request_line() {
    std::lock_guard lock(mutex_);
    return request_line_;
  }

 private:
  void relay_one() {
    int client = accept(listen_, nullptr, nullptr);
    if (client < 0) return;
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && recv(client, &c, 1, 0) == 1) head += c;
    {
      std::lock_guard lock(mutex_);
      request_line_ = head.substr(0, head.find("\r\n"));
    }
    size_t colon = head.find(':', 8);
    int port = std::stoi(head.substr(colon + 1));
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
    send(client, ok.data(), ok.size(), MSG_NOSIGNAL);
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    for (bool open = true; open && poll(fds, 2, 5000) > 0;) {
      for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        char buf[16384];
        ssize_t n = recv(fds[i].fd, buf, sizeof buf, 0);
        if (n <= 0)
          open = false;
        else
          send(fds[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL);
      }
    }
    close(upstream);
    close(client);
  }

  int listen_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::string request_line_;
};

TEST_F(HttpsClient, TunnelsThroughAnHttpsProxyWithConnect) {
  FakeUpstream up([](const SeenRequest&) { return CannedReply{200, {}, "tunnelled"}; }, *identity_);
  ConnectProxy proxy;
  ScopedEnv https_proxy("HTTPS_PROXY", proxy.url().c_str());
  ScopedEnv no_proxy("NO_PROXY", nullptr);
  ScopedEnv lower_no_proxy("no_proxy", nullptr);
  test::TempDir dir;
  std::ofstream(dir.path() / "ca.pem") << identity_->certificate_pem;
  HttpClientSettings s = quick();
  s.ca_file = dir.path() / "ca.pem";
  s.max_retries = 0;
  EXPECT_EQ(HttpClient(s).get(up.url("/x"), {}).body, "tunnelled");
  EXPECT_EQ(proxy.request_line(), "CONNECT 127.0.0.1:" + std::to_string(up.port()) + " HTTP/1.1");
}

TEST(HttpClientSettingsTest, AnUnreadableCaFileIsAClearError) {
  HttpClientSettings s;
  s.ca_file = "/nonexistent/ca.pem";
  try {
    HttpClient client(s);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot load CA file /nonexistent/ca.pem"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace gatehouse
