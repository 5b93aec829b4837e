// The real catalog service and HTTP server in process, on 127.0.0.1 and a free port.
#pragma once

#include "catalog_service.hpp"
#include "config.hpp"
#include "http_api.hpp"
#include "http_client.hpp"
#include "http_server.hpp"
#include "support/paths.hpp"

#include <memory>
#include <thread>

namespace gatehouse::test {

// A gateway bound to the fixture plugin, reading `file` as its upstream.
inline GatewayConfig fixture_gateway(const std::string& name, const std::filesystem::path& file,
                                     PluginOptions extra = {}) {
  GatewayConfig g;
  g.name = name;
  g.plugin = test_plugin("fixture").string();
  g.options = {{"file", file.string()}};
  g.options.insert(g.options.end(), extra.begin(), extra.end());
  return g;
}

class TestServer {
 public:
  explicit TestServer(Config config, ServerLimits limits = {}, std::string admin_token = "")
      : config_(std::move(config)),
        http_(client_settings(config_.http)),
        catalogs_(config_, bind_gateways(config_, &http_), &http_),
        api_(catalogs_, metrics_, config_.cache.first_fetch_wait_ms, std::move(admin_token)),
        server_({"127.0.0.1", 0}, 2, api_, metrics_, false, limits) {
    catalogs_.start();
    thread_ = std::thread([this] { server_.run(); });
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
    http_.stop();      // no fetch waits out a retry
    catalogs_.stop();  // before the sessions its work reports to are gone
  }

  uint16_t port() const { return server_.port(); }
  CatalogService& catalogs() { return catalogs_; }

 private:
  Config config_;
  HttpClient http_;
  CatalogService catalogs_;
  HttpMetrics metrics_;
  Api api_;
  HttpServer server_;
  std::thread thread_;
};

}  // namespace gatehouse::test
