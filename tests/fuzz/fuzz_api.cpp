// Any request the server's parser lets through, to Api::handle: method, target, headers
// and body from the input. Every answer must be a status the API gives and, when JSON,
// parse. The gateway serves a snapshot made at start (its plugin is absent on purpose:
// nothing here fetches), and the admin API is on.
#include "catalog/snapshot_store.hpp"
#include "http/api.hpp"
#include "support/clock.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <simdjson.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace {

namespace fs = std::filesystem;
using namespace gatehouse;

// Ten models in the catalog's shape, written as a snapshot.
fs::path make_cache() {
  fs::path dir = fs::temp_directory_path() / ("gatehouse-fuzz-api-" + std::to_string(getpid()));
  fs::create_directories(dir);
  ModelRecords records;
  for (int i = 0; i < 10; ++i) {
    std::string id = "org" + std::to_string(i % 3) + "/Model-" + std::to_string(i);
    std::string tag = i % 2 ? "text-generation" : "text-to-image";
    gatehouse_model m{};
    m.struct_size = sizeof m;
    m.id = {id.data(), id.size()};
    m.created = 1700000000 + i;
    m.context_length = GATEHOUSE_UNKNOWN_INT;
    m.downloads = i * 10;
    m.likes = i % 4 ? i : GATEHOUSE_UNKNOWN_INT;
    m.pipeline_tag = {tag.data(), tag.size()};
    records.push_back(std::make_shared<const ModelRecord>(make_model_record(m, "hug")));
  }
  write_snapshot(dir, "hug", Catalog(std::move(records), system_clock().now_unix_ms()));
  return dir;
}

struct Server {
  Server() : cache(make_cache()), catalogs({gateway()}, {cache, cache}, settings(cache), {}) {}
  static CacheSettings settings(const std::filesystem::path& dir) {
    CacheSettings s;
    s.dir = dir;
    return s;
  }
  static GatewayConfig gateway() {
    GatewayConfig g;
    g.name = "hug";
    g.plugin = "absent";
    g.aliases = {"huggingface"};
    return g;
  }
  ~Server() { fs::remove_all(cache); }
  fs::path cache;
  CatalogRegistry catalogs;
  HttpMetrics metrics;
  Api api{catalogs, metrics, {std::chrono::milliseconds(0), "token"}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server server;
  FuzzedDataProvider in(data, size);
  static const char* const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"};
  std::string method = in.ConsumeBool() ? methods[in.ConsumeIntegralInRange<size_t>(0, 5)]
                                        : in.ConsumeRandomLengthString(10);
  std::string target = in.ConsumeRandomLengthString(400);
  std::string if_none_match = in.ConsumeRandomLengthString(80);
  std::string authorization = in.ConsumeBool() ? "Bearer token" : in.ConsumeRandomLengthString(40);
  // A cache clear would forget the only catalog (no plugin refetches it) for the rest of
  // the run, and later inputs would depend on earlier ones: it is fuzzed without the token.
  if (method == "DELETE") authorization = "Bearer not-the-token";
  ApiRequest request;
  request.method = method;
  request.target = target;
  request.if_none_match = if_none_match;
  request.accepts_gzip = in.ConsumeBool();
  request.authorization = authorization;
  std::string body = in.ConsumeRemainingBytesAsString();
  request.body = body;
  ApiResponse r = server.api.handle(request);
  if (r.status < 200 || r.status > 599) std::abort();
  bool json = r.content_type == "application/json" && !r.deferred && !r.retry_in &&
              r.status != 304 && !request.accepts_gzip;
  static simdjson::dom::parser parser;
  std::string text = r.stream ? read_all(*r.stream) : r.body;
  if (json && parser.parse(text).error()) std::abort();  // the API answered broken JSON
  return 0;
}
