// Every gateway of the config, the merged `all` catalog, name/alias lookup, and the
// run-time changes: rebinding a gateway's plugin and re-reading the config.
#pragma once

#include "blocking_pool.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "gateway_bindings.hpp"

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

class HttpClient;

// The gateways in config order. Replaced whole when the config changes, so a reader
// holds one consistent list.
struct GatewayList {
  std::vector<std::shared_ptr<Gateway>> gateways;
  std::string known_names;  // "hug, huggingface, portkey, all", for error messages

  std::shared_ptr<Gateway> find(std::string_view name) const;
};

class CatalogService {
 public:
  // Loads each gateway's snapshot; fetching starts with start(). `http` must outlive this.
  CatalogService(const Config& config, std::vector<GatewayBinding> bindings,
                 const HttpClient* http = nullptr);
  ~CatalogService();  // waits for fetches in flight

  // Starts the first refresh of every gateway.
  void start();

  std::shared_ptr<const GatewayList> gateways() const { return gateways_.load(); }
  // By slot name or alias (lower-case); null when unknown.
  std::shared_ptr<Gateway> find(std::string_view name) const { return gateways()->find(name); }

  // The merge of every gateway's catalog, null until one has data.
  std::shared_ptr<const Catalog> merged() const { return merged_.load(); }

  // Runs blocking work (plugin calls) on the fetch threads.
  void run_blocking(std::function<void()> job) { pool_.post(std::move(job)); }
  // Finishes the work queued and stops the fetch threads: call it while whatever that
  // work reports to (the HTTP server's sessions) still exists.
  void stop() { pool_.stop(); }

  // Binds `gateway` to the plugin NAMED `plugin` in plugins.dir with `options`: loads it,
  // creates it, fetches its catalog, and only then swaps. Blocks. Throws
  // std::invalid_argument for an unknown gateway or a plugin name that is not a name.
  SwapRecord rebind(const std::string& gateway, const std::string& plugin, PluginOptions options);

  struct ReloadReport {
    std::string error;                 // the config's error: nothing was changed
    std::vector<std::string> changes;  // one line per gateway added, removed, rebound...
  };
  // Re-reads the config file and applies the difference: gateways added, removed,
  // rebound (plugin, options, or a rebuilt .so), reconfigured (ttl_s, min_models,
  // aliases). A config with errors changes nothing. Blocks (rebinds fetch first).
  ReloadReport reload();

 private:
  std::shared_ptr<Gateway> make_gateway(GatewayBinding binding);
  bool needs_rebind(const GatewayBinding& now, const Config& next_config,
                    const GatewayConfig& next) const;
  void rebuild_merged();

  Config config_;
  const HttpClient* http_;
  std::atomic<std::shared_ptr<const GatewayList>> gateways_;
  std::atomic<std::shared_ptr<const Catalog>> merged_;
  std::mutex merge_mutex_;   // one rebuild at a time; readers never take it
  std::mutex change_mutex_;  // one rebind or reload at a time
  // Declared last: destroyed first, so no fetch outlives the members it uses.
  BlockingPool pool_;
};

}  // namespace gatehouse
