// Big answers and the clients that read them slowly, or not at all (hardening P2, P8): what
// a connection holds stays small, big answers are compressed off the I/O threads, and the
// number of connections is capped. On the Hub list scaled (the recorded records, ids made
// unique per copy).
#include "harness/json.hpp"
#include "harness/raw_client.hpp"
#include "harness/test_client.hpp"
#include "harness/test_server.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <thread>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;
using test::RawClient;

constexpr int copies = 400;  // 20,000 models, about 14 MB of JSON

// The 50 recorded Hub models of hub_list_50.json, `n` times over, each copy's ids suffixed.
std::filesystem::path scaled_hub(const std::filesystem::path& dir, int n) {
  simdjson::dom::parser parser;
  simdjson::dom::array models = parser.load(test::test_data("hub_list_50.json")).get_array();
  std::string out = "[";
  for (int copy = 0; copy < n; ++copy) {
    for (simdjson::dom::element m : models) {
      std::string text = simdjson::minify(m);
      std::string id(m["id"].get_string().value());
      std::string key = "\"id\":\"" + id + "\"";
      text.replace(text.find(key), key.size(),
                   "\"id\":\"" + id + "-c" + std::to_string(copy) + "\"");
      if (out.size() > 1) out += ",";
      out += text;
    }
  }
  out += "]";
  std::filesystem::path file = dir / "hub_scaled.json";
  std::ofstream(file) << out;
  return file;
}

size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Answers of the models route so far: the server counts one as it starts to send it.
uint64_t models_answered(uint16_t port) {
  std::string metrics = test::http_get(port, "/metrics").body;
  std::string key = "gatehouse_http_requests_total{route=\"models\",status=\"200\"} ";
  size_t at = metrics.find(key);
  return at == std::string::npos ? 0 : std::stoull(metrics.substr(at + key.size()));
}

class SlowClients : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    Config config;
    config.cache.dir = dir_->path() / "cache";
    config.gateways.push_back(test::fixture_gateway("hug", scaled_hub(dir_->path(), copies)));
    // Two more, so that the merge of `all` is a real one (one gateway's is shared as it is).
    for (const char* name : {"second", "third"})
      config.gateways.push_back(
          test::fixture_gateway(name, test::test_data("fixture_models.json")));
    config.max_connections = 200;
    ServerLimits limits;
    limits.read_timeout = 60s;  // nobody is let go while the test looks
    server_ = new test::TestServer(config, limits, "admin-token");
    // The first fetch done, and the full list's ready deflate made on a fetch thread.
    for (int i = 0; i < 2000; ++i) {
      auto r = get("/v1/models?gateway=hug", {{"Accept-Encoding", "gzip"}});
      if (r.status == 200 && r.header("content-encoding") == "gzip") break;
      std::this_thread::sleep_for(10ms);
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static test::HttpResult get(const std::string& target, const test::Headers& headers = {}) {
    return test::http_get(server_->port(), target, headers);
  }
  static std::string request(const std::string& target, bool gzip) {
    return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" +
           (gzip ? "Accept-Encoding: gzip\r\n" : "") + "\r\n";
  }

  static inline test::TempDir* dir_ = nullptr;
  static inline test::TestServer* server_ = nullptr;
};

std::vector<std::string> ids_of(const std::string& body) { return test::Json(body).ids(); }

TEST_F(SlowClients, BigAnswersStreamWholeAndEqualPlainOrGzipped) {
  auto plain = get("/v1/models?gateway=hug");
  ASSERT_EQ(plain.status, 200u);
  std::vector<std::string> all = ids_of(plain.body);
  ASSERT_EQ(all.size(), size_t{50} * copies);
  EXPECT_EQ(plain.header("content-length"), std::to_string(plain.body.size()));
  auto ready = get("/v1/models?gateway=hug", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(ready.header("content-encoding"), "gzip");
  EXPECT_EQ(ids_of(test::gunzip(ready.body)), all);
  // Not the plain full list: run per request, compressed as it is sent (in chunks).
  auto rest = get("/v1/models?gateway=hug&offset=1", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(rest.header("content-encoding"), "gzip");
  EXPECT_EQ(rest.header("transfer-encoding"), "chunked");
  std::vector<std::string> tail(all.begin() + 1, all.end());
  EXPECT_EQ(ids_of(test::gunzip(rest.body)), tail);
  auto uncompressed = get("/v1/models?gateway=hug&offset=1");
  EXPECT_EQ(ids_of(uncompressed.body), tail);
  auto sorted = get("/v1/models?gateway=hug&sort=id", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(ids_of(test::gunzip(sorted.body)), ids_of(get("/v1/models?gateway=hug&sort=id").body));
  // HTTP/1.0 has no chunks: the same answer, uncompressed, with its length.
  RawClient old(server_->port());
  old.send("GET /v1/models?gateway=hug&offset=1 HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
  std::string reply = old.read_until_closed(30s);
  size_t head_end = reply.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_EQ(reply.substr(0, head_end).find("Content-Encoding"), std::string::npos);
  EXPECT_EQ(ids_of(reply.substr(head_end + 4)), tail);
}

// P2: 200 connections that asked for a 33 MB list and never read took RSS from 278 MB to
// 5.6 GB: each held its own copy of the answer.
TEST_F(SlowClients, ReadersThatNeverReadHoldNoCopyOfTheAnswer) {
  get("/v1/models?gateway=hug&offset=1", {{"Accept-Encoding", "gzip"}});  // warm every path
  size_t before = resident_bytes();
  uint64_t answered = models_answered(server_->port());
  std::vector<std::unique_ptr<RawClient>> stalled;
  for (int i = 0; i < 60; ++i) {
    stalled.push_back(std::make_unique<RawClient>(server_->port(), 4096));
    // Plain full lists, big pages compressed as they go, and sorted ones uncompressed.
    const char* target = i % 3 == 0   ? "/v1/models?gateway=hug"
                         : i % 3 == 1 ? "/v1/models?gateway=hug&offset=1"
                                      : "/v1/models?gateway=hug&sort=likes";
    stalled.back()->send(request(target, i % 3 == 1));
  }
  while (models_answered(server_->port()) < answered + 60) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(200ms);  // each has written what its socket takes
  size_t grown = resident_bytes() > before ? resident_bytes() - before : 0;
  RecordProperty("rss_growth_mb", std::to_string(grown >> 20));
  // A copy each would be 60 x 14 MB; zlib's state is 256 KB for each compressing one.
  EXPECT_LT(grown, size_t{64} << 20) << "RSS grew " << (grown >> 20) << " MB";
  EXPECT_EQ(get("/healthz").status, 200u);
  stalled.clear();
  EXPECT_EQ(ids_of(get("/v1/models?gateway=hug").body).size(), size_t{50} * copies);
}

// P8: a big answer that is not the ready full list was built and gzipped on an I/O thread
// (0.23-0.34 s at 54k models); four such clients held /healthz up to 1.16 s.
TEST_F(SlowClients, SmallRequestsAreAnsweredWhileBigOnesCompress) {
  std::atomic<int> finished{0};
  std::vector<int> big_order(4, -1);
  std::vector<std::thread> big;
  for (int i = 0; i < 4; ++i)
    big.emplace_back([&, i] {
      get("/v1/models?gateway=hug&sort=likes&offset=" + std::to_string(i + 1),
          {{"Accept-Encoding", "gzip"}});
      big_order[i] = finished++;
    });
  std::this_thread::sleep_for(50ms);  // their requests are in
  int health_order = -1;
  for (const char* small : {"/healthz", "/v1/models?gateway=hug&limit=5"}) {
    EXPECT_EQ(get(small, {{"Accept-Encoding", "gzip"}}).status, 200u);
    health_order = std::max(health_order, finished.load());
  }
  for (auto& t : big) t.join();
  EXPECT_EQ(health_order, 0) << "a big answer finished before /healthz and a small page";
}

// P10: DELETE /admin/gateways/{name}/cache rebuilt the merge and removed the snapshot on
// the I/O thread (0.26-0.57 s at 54k models), and /healthz waited meanwhile.
TEST_F(SlowClients, ClearingACacheRunsOffTheIoThreads) {
  while (!server_->catalogs().merged() || server_->catalogs().merged()->size() < 50 * copies)
    std::this_thread::sleep_for(10ms);
  server_->wait_until_idle();
  std::atomic<int> finished{0};
  std::vector<std::thread> clears;
  for (const char* name : {"second", "third"})  // as many as there are I/O threads
    clears.emplace_back([&, name] {
      auto r = test::http_request(server_->port(), "DELETE",
                                  "/admin/gateways/" + std::string(name) + "/cache",
                                  {{"Authorization", "Bearer admin-token"}});
      EXPECT_EQ(r.status, 200u) << r.body;
      finished++;
    });
  std::this_thread::sleep_for(5ms);  // their requests are in
  EXPECT_EQ(get("/healthz").status, 200u);
  int health_order = finished.load();
  for (auto& t : clears) t.join();
  EXPECT_EQ(health_order, 0) << "a clear answered before /healthz";
}

// Past max_connections, a connection waits in the backlog until another closes.
TEST(ConnectionCap, NewConnectionsWaitUntilOneCloses) {
  test::TempDir dir;
  Config config;
  config.cache.dir = dir.path();
  config.gateways.push_back(test::fixture_gateway("hug", test::test_data("hub_list_50.json")));
  config.max_connections = 3;
  test::TestServer server(config);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawClient>(server.port()));
    held.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");  // kept alive
    ASSERT_TRUE(held.back()->readable(5s));
  }
  RawClient waiting(server.port());  // the kernel accepts it; the server does not yet
  waiting.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(waiting.readable(300ms)) << "answered past max_connections";
  held.pop_back();
  std::string reply = waiting.read_until_closed(5s);
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply.substr(0, 100);
}

}  // namespace
}  // namespace gatehouse
