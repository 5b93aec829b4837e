// A gateway as the config describes it, and the cache rules every gateway follows.
#pragma once

#include "plugin_host/plugin_options.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace gatehouse {

struct GatewayConfig {
  std::string name;
  std::string plugin;  // a bare name looked up in the plugin folder, or a path when it has '/'
  std::vector<std::string> aliases;
  int64_t ttl_s = 3600;
  int64_t min_models = 1;  // a fetch with fewer models is suspicious: keep the last good one
  PluginOptions options;   // handed to the plugin as text, in config order
};

// How each gateway's cache behaves around failures and the first fetch.
struct CacheSettings {
  std::filesystem::path dir;            // snapshots: <dir>/<gateway>.catalog.json
  int64_t first_fetch_wait_ms = 10000;  // a request waits this long for a first catalog
  int64_t retry_initial_ms = 1000;      // backoff after a failed fetch, doubling ...
  int64_t retry_max_ms = 300000;        // ... up to this

  bool operator==(const CacheSettings&) const = default;
};

}  // namespace gatehouse
