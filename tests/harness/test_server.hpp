// The real App (catalogs, API, HTTP server) in process, on 127.0.0.1 and a free port.
#pragma once

#include "app/app.hpp"
#include "harness/paths.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

namespace gatehouse::test {

// A gateway bound to the plugin file `plugin` (test::built_plugin("openrouter"), say).
inline GatewayConfig plugin_gateway(const std::string& name, const std::filesystem::path& plugin,
                                    PluginOptions options) {
  GatewayConfig g;
  g.name = name;
  g.plugin = plugin.string();
  g.options = std::move(options);
  return g;
}

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
  // `clock` (a ManualClock, say) must outlive the server; null is the system clock.
  explicit TestServer(Config config, ServerLimits limits = {}, std::string admin_token = "",
                      const Clock* clock = nullptr)
      : app_(with_free_port(std::move(config)), {std::move(admin_token), limits, clock, false}),
        thread_([this] { app_.run(); }) {}
  ~TestServer() {
    app_.stop();
    thread_.join();
  }

  uint16_t port() const { return app_.port(); }
  CatalogRegistry& catalogs() { return app_.catalogs(); }

  // Waits (up to 10 s) until no gateway fetches. A flight ends just after its catalog is
  // in: a test that asks for a refresh right then would find one still running (409).
  void wait_until_idle() {
    auto busy = [this] {
      std::shared_ptr<const GatewayList> list = catalogs().gateways();  // held while walked
      for (const auto& g : list->gateways)
        if (g->fetching()) return true;
      return false;
    };
    for (int i = 0; i < 2000 && busy(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (busy()) ADD_FAILURE() << "a gateway still fetches after 10 s";
  }

 private:
  static Config with_free_port(Config config) {
    config.listen = {"127.0.0.1", 0};
    config.threads = 2;
    return config;
  }

  App app_;
  std::thread thread_;
};

}  // namespace gatehouse::test
