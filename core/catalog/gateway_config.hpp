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
  // The fleet's shared tier (shared_catalogs.hpp); an empty url: this process alone.
  struct Redis {
    std::string url;                   // redis://HOST:PORT/DB
    std::string password_env;          // the variable holding the password (AUTH); "" = none
    std::string prefix = "gatehouse";  // of every key and the channel
    int64_t connect_timeout_ms = 1000;
    int64_t timeout_ms = 2000;  // one command
    int64_t lock_ms = 30000;    // the fetch lock's expiry; its owner renews it while it fetches
    int64_t poll_ms = 5000;     // the check for a new catalog that an announcement missed
    int64_t max_catalog_bytes = 256 << 20;  // a catalog in redis, gzipped or inflated
    bool operator==(const Redis&) const = default;
  } redis;

  bool operator==(const CacheSettings&) const = default;
};

}  // namespace gatehouse
