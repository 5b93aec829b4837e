// config.toml: the schema, its validation, and the errors that name file, line and key.
#pragma once

#include "catalog/gateway_config.hpp"
#include "http/listen_address.hpp"
#include "plugin_host/http_client.hpp"
#include "plugin_host/plugin_loader.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// "path:line:column: what is wrong", ready to show as it is.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Config {
  std::filesystem::path source;  // the file it was read from
  ListenAddress listen{"127.0.0.1", 8000};
  unsigned threads = 0;           // 0 = one per core
  size_t max_connections = 4096;  // more wait in the listen backlog
  // The variable holding the admin API's bearer token; unset or empty = no admin API.
  std::string admin_token_env = "GATEHOUSE_ADMIN_TOKEN";
  PluginDirectory plugins;  // [plugins] dir, and the config's folder for plugin paths
  CacheSettings cache;
  HttpClientSettings http;  // the client the host lends every plugin
  std::vector<GatewayConfig> gateways;
};

// Reads and validates a config file; relative paths in it become relative to its folder.
Config load_config(const std::filesystem::path& file);

// The same from text; `source` names the file in messages and anchors relative paths.
Config parse_config(std::string_view text, const std::filesystem::path& source);

}  // namespace gatehouse
