// config.toml: the schema, its validation, and the errors that name file, line and key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse {

// "path:line:column: what is wrong", ready to show as it is.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ListenAddress {
  std::string host;
  uint16_t port = 0;  // 0 picks a free port
};

struct GatewayConfig {
  std::string name;
  std::string plugin;  // a bare name looked up in plugins.dir, or a path when it has '/'
  std::vector<std::string> aliases;
  int64_t ttl_s = 3600;
  int64_t min_models = 1;  // a fetch with fewer models is suspicious: keep the last good one
  // Handed to the plugin as text, in file order. Arrays of strings arrive comma-joined.
  std::vector<std::pair<std::string, std::string>> options;
};

// How each gateway's cache behaves around failures and the first fetch.
struct CacheSettings {
  std::filesystem::path dir;
  int64_t first_fetch_wait_ms = 10000;  // a request waits this long for a first catalog
  int64_t retry_initial_ms = 1000;      // backoff after a failed fetch, doubling ...
  int64_t retry_max_ms = 300000;        // ... up to this
};

// The host's HTTP client, lent to every plugin.
struct HttpSettings {
  int64_t timeout_ms = 60000;  // one request, retries included
  int64_t connect_timeout_ms = 10000;
  int64_t max_response_bytes = 256LL << 20;
  int64_t max_redirects = 5;
  int64_t max_retries = 4;
  std::filesystem::path ca_file;  // trusted besides the system store; empty = none
};

struct Config {
  std::filesystem::path source;  // the file it was read from
  ListenAddress listen{"127.0.0.1", 8000};
  unsigned threads = 0;  // 0 = one per core
  // The variable holding the admin API's bearer token; unset or empty = no admin API.
  std::string admin_token_env = "GATEHOUSE_ADMIN_TOKEN";
  std::filesystem::path plugins_dir;
  CacheSettings cache;
  HttpSettings http;
  std::vector<GatewayConfig> gateways;
};

// Reads and validates a config file; relative paths in it become relative to its folder.
Config load_config(const std::filesystem::path& file);

// The same from text; `source` names the file in messages and anchors relative paths.
Config parse_config(std::string_view text, const std::filesystem::path& source);

// "HOST:PORT" or "[IPv6]:PORT"; throws ConfigError naming `what` on anything else.
ListenAddress parse_listen_address(std::string_view text, std::string_view what);

// 1-64 of a-z 0-9 - _: what gateway names, aliases and plugin names may be (they appear in
// URLs and file names).
bool is_valid_name(std::string_view name);

// The shared library a gateway's `plugin` names: a path as given when it contains '/',
// else plugins_dir/NAME.so.
std::filesystem::path plugin_path(const Config& config, std::string_view plugin);

}  // namespace gatehouse
