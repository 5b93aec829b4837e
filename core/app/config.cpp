#include "app/config.hpp"

#include "support/redis_client.hpp"

#include "support/file_read.hpp"
#include "support/names.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>

namespace gatehouse {
namespace fs = std::filesystem;
namespace {

constexpr size_t max_config_bytes = 16u << 20;

std::string type_name(const toml::node& node) {
  std::ostringstream out;
  out << node.type();
  return out.str();
}

OptionValue option_value(const toml::node& node);

// Walks the parsed document, failing with "file:line:column: message" at the node at fault.
class Reader {
 public:
  explicit Reader(const fs::path& source) : source_(source.string()) {}

  [[noreturn]] void fail(const toml::source_region& where, const std::string& message) const {
    std::string text = source_;
    if (where.begin.line > 0)
      text += ":" + std::to_string(where.begin.line) + ":" + std::to_string(where.begin.column);
    throw ConfigError(text + ": " + message);
  }

  // Typos must not pass silently: every key must be one the schema knows.
  void allow_only(const toml::table& table, const std::string& where,
                  std::initializer_list<std::string_view> allowed) const {
    for (auto&& [key, node] : table) {
      bool known = false;
      for (auto k : allowed) known = known || k == key.str();
      if (known) continue;
      std::string list;
      for (auto k : allowed) list.append(list.empty() ? "" : ", ").append(k);
      fail(key.source(),
           "unknown key '" + qualified(where, key.str()) + "' (allowed: " + list + ")");
    }
  }

  const toml::table* table(const toml::table& parent, std::string_view key,
                           const std::string& where) const {
    const toml::node* node = parent.get(key);
    if (!node) return nullptr;
    if (!node->is_table())
      fail(node->source(), qualified(where, key) + " must be a table, got " + type_name(*node));
    return node->as_table();
  }

  std::string string(const toml::table& t, std::string_view key, const std::string& where,
                     const std::string* fallback) const {
    const toml::node* node = t.get(key);
    if (!node) {
      if (fallback) return *fallback;
      fail(t.source(), "missing required key '" + qualified(where, key) + "'");
    }
    if (!node->is_string())
      fail(node->source(), qualified(where, key) + " must be a string, got " + type_name(*node));
    return node->as_string()->get();
  }

  int64_t integer(const toml::table& t, std::string_view key, const std::string& where,
                  int64_t fallback, int64_t min, int64_t max) const {
    const toml::node* node = t.get(key);
    if (!node) return fallback;
    if (!node->is_integer() || node->as_integer()->get() < min || node->as_integer()->get() > max)
      fail(node->source(), qualified(where, key) + " must be an integer from " +
                               std::to_string(min) + " to " + std::to_string(max));
    return node->as_integer()->get();
  }

  std::vector<std::string> strings(const toml::table& t, std::string_view key,
                                   const std::string& where) const {
    std::vector<std::string> out;
    const toml::node* node = t.get(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array) fail(node->source(), qualified(where, key) + " must be an array of strings");
    for (const toml::node& item : *array) {
      if (!item.is_string())
        fail(item.source(),
             qualified(where, key) + " must hold only strings, got " + type_name(item));
      out.push_back(item.as_string()->get());
    }
    return out;
  }

  // Plugin options are text, by the rule the admin API follows too (option_text).
  std::string option_text(const toml::node& node, const std::string& name) const {
    try {
      return gatehouse::option_text(option_value(node), name);
    } catch (const OptionError& e) {
      fail(node.source(), e.what());
    }
  }

  static std::string qualified(const std::string& where, std::string_view key) {
    return where.empty() ? std::string(key) : where + "." + std::string(key);
  }

 private:
  std::string source_;
};

OptionValue option_value(const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return i->get();
  if (auto b = node.as_boolean()) return b->get();
  const toml::array* array = node.as_array();
  if (!array) return UnsupportedOption{"a " + type_name(node)};
  std::vector<std::string> items;
  for (const toml::node& item : *array) {
    if (!item.is_string())
      return UnsupportedOption{"an array holding " + type_name(item) + " items"};
    items.push_back(item.as_string()->get());
  }
  return items;
}

fs::path anchored(const fs::path& base, const std::string& path) {
  fs::path p(path);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

void read_server(const Reader& r, const toml::table& root, Config& config) {
  const toml::table* server = r.table(root, "server", "");
  if (!server) return;
  r.allow_only(*server, "server", {"listen", "threads", "max_connections", "admin_token_env"});
  const std::string token_env = config.admin_token_env;
  config.admin_token_env = r.string(*server, "admin_token_env", "server", &token_env);
  if (const toml::node* listen = server->get("listen")) {
    std::string text = r.string(*server, "listen", "server", nullptr);
    try {
      config.listen = parse_listen_address(text, "server.listen");
    } catch (const std::invalid_argument& e) {
      r.fail(listen->source(), e.what());
    }
  }
  config.threads = static_cast<unsigned>(r.integer(*server, "threads", "server", 0, 0, 256));
  config.max_connections =
      static_cast<size_t>(r.integer(*server, "max_connections", "server", 4096, 1, 1 << 20));
}

void read_redis(const Reader& r, const toml::table& t, CacheSettings::Redis& redis) {
  const std::string none, prefix_default = redis.prefix;
  redis.url = r.string(t, "redis_url", "cache", &none);
  if (!redis.url.empty()) {
    try {
      parse_redis_url(redis.url);
    } catch (const std::invalid_argument& e) {
      r.fail(t.get("redis_url")->source(), std::string("cache.") + e.what());
    }
  }
  redis.password_env = r.string(t, "redis_password_env", "cache", &none);
  redis.prefix = r.string(t, "redis_prefix", "cache", &prefix_default);
  if (redis.prefix.empty() || redis.prefix.find_first_of(" :\r\n") != std::string::npos)
    r.fail(t.get("redis_prefix")->source(),
           "cache.redis_prefix must be a non-empty word without spaces or ':'");
  redis.connect_timeout_ms =
      r.integer(t, "redis_connect_timeout_ms", "cache", redis.connect_timeout_ms, 10, 60000);
  redis.timeout_ms = r.integer(t, "redis_timeout_ms", "cache", redis.timeout_ms, 10, 60000);
  redis.lock_ms = r.integer(t, "redis_lock_ms", "cache", redis.lock_ms, 300, 3600000);
  redis.poll_ms = r.integer(t, "redis_poll_ms", "cache", redis.poll_ms, 100, 3600000);
  redis.max_catalog_bytes = r.integer(t, "redis_max_catalog_bytes", "cache",
                                      redis.max_catalog_bytes, 1 << 16, int64_t{16} << 30);
}

void read_cache(const Reader& r, const toml::table& root, const fs::path& base,
                CacheSettings& cache) {
  const std::string dir_default = "var/cache";
  const toml::table* t = r.table(root, "cache", "");
  std::string dir = t ? r.string(*t, "dir", "cache", &dir_default) : dir_default;
  if (dir.empty())
    r.fail(t->get("dir")->source(),
           "cache.dir must name a folder (\"\" would be the config's own folder)");
  cache.dir = anchored(base, dir);
  if (!t) return;
  r.allow_only(*t, "cache",
               {"dir", "first_fetch_wait_ms", "retry_initial_ms", "retry_max_ms", "redis_url",
                "redis_password_env", "redis_prefix", "redis_connect_timeout_ms",
                "redis_timeout_ms", "redis_lock_ms", "redis_poll_ms", "redis_max_catalog_bytes"});
  constexpr int64_t day_ms = 24LL * 3600 * 1000;
  cache.first_fetch_wait_ms =
      r.integer(*t, "first_fetch_wait_ms", "cache", cache.first_fetch_wait_ms, 0, 600000);
  cache.retry_initial_ms =
      r.integer(*t, "retry_initial_ms", "cache", cache.retry_initial_ms, 1, day_ms);
  cache.retry_max_ms = r.integer(*t, "retry_max_ms", "cache", cache.retry_max_ms, 1, day_ms);
  if (cache.retry_max_ms < cache.retry_initial_ms)
    r.fail(t->get("retry_max_ms") ? t->get("retry_max_ms")->source() : t->source(),
           "cache.retry_max_ms must be >= retry_initial_ms");
  read_redis(r, *t, cache.redis);
}

void read_http(const Reader& r, const toml::table& root, const fs::path& base,
               HttpClientSettings& http) {
  const toml::table* t = r.table(root, "http", "");
  if (!t) return;
  r.allow_only(*t, "http",
               {"timeout_ms", "fetch_timeout_ms", "connect_timeout_ms", "max_response_bytes",
                "max_redirects", "max_retries", "ca_file"});
  using ms = std::chrono::milliseconds;
  http.timeout = ms(r.integer(*t, "timeout_ms", "http", http.timeout.count(), 100, 3600000));
  http.fetch_timeout =
      ms(r.integer(*t, "fetch_timeout_ms", "http", http.fetch_timeout.count(), 1000, 86400000));
  http.connect_timeout =
      ms(r.integer(*t, "connect_timeout_ms", "http", http.connect_timeout.count(), 100, 600000));
  http.max_response_bytes = static_cast<size_t>(
      r.integer(*t, "max_response_bytes", "http", static_cast<int64_t>(http.max_response_bytes),
                1024, 4LL << 30));
  http.max_redirects =
      static_cast<int>(r.integer(*t, "max_redirects", "http", http.max_redirects, 0, 20));
  http.max_retries =
      static_cast<int>(r.integer(*t, "max_retries", "http", http.max_retries, 0, 20));
  const std::string none;
  std::string ca = r.string(*t, "ca_file", "http", &none);
  if (ca.empty()) return;
  http.ca_file = anchored(base, ca);
  try {
    read_regular_file(http.ca_file, max_config_bytes);
  } catch (const FileError& e) {
    r.fail(t->get("ca_file")->source(),
           "http.ca_file " + http.ca_file.string() + " cannot be read: " + e.what());
  }
}

GatewayConfig read_gateway(const Reader& r, const toml::table& t, const std::string& where) {
  r.allow_only(t, where, {"name", "plugin", "aliases", "ttl_s", "min_models", "options"});
  GatewayConfig g;
  g.name = r.string(t, "name", where, nullptr);
  if (!is_valid_name(g.name) || g.name == "all")
    r.fail(t.get("name")->source(),
           where + ".name '" + g.name + "' must be 1-64 of a-z 0-9 - _ and not 'all'");
  g.plugin = r.string(t, "plugin", where, nullptr);
  if (g.plugin.empty()) r.fail(t.get("plugin")->source(), where + ".plugin must not be empty");
  g.aliases = r.strings(t, "aliases", where);
  g.ttl_s = r.integer(t, "ttl_s", where, 3600, 1, 365LL * 24 * 3600);
  g.min_models = r.integer(t, "min_models", where, 1, 0, 100'000'000);
  if (const toml::table* options = r.table(t, "options", where)) {
    // toml++ keeps keys sorted; plugins see them in the order the file gives them.
    std::vector<std::pair<toml::source_position, std::pair<std::string, std::string>>> found;
    for (auto&& [key, node] : *options) {
      std::string name = where + ".options." + std::string(key.str());
      found.push_back({key.source().begin, {std::string(key.str()), r.option_text(node, name)}});
    }
    std::sort(found.begin(), found.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [position, option] : found) g.options.push_back(std::move(option));
  }
  return g;
}

// Names and aliases share one namespace: `gateway=X` must mean exactly one gateway.
void check_unique_names(const Reader& r, const toml::array& array, const Config& config) {
  std::map<std::string, std::string> seen;  // name or alias -> where it was first used
  for (size_t i = 0; i < config.gateways.size(); ++i) {
    const GatewayConfig& g = config.gateways[i];
    std::string where = "gateways[" + std::to_string(i) + "]";
    std::vector<std::string> names{g.name};
    names.insert(names.end(), g.aliases.begin(), g.aliases.end());
    for (const std::string& name : names) {
      if (!is_valid_name(name) || name == "all")
        r.fail(array[i].source(),
               where + " alias '" + name + "' must be 1-64 of a-z 0-9 - _ and not 'all'");
      auto [it, fresh] = seen.emplace(name, where);
      if (!fresh)
        r.fail(array[i].source(),
               where + " uses the name '" + name + "' already used by " + it->second);
    }
  }
}

void read_gateways(const Reader& r, const toml::table& root, Config& config) {
  const toml::node* node = root.get("gateways");
  if (!node) return;
  const toml::array* array = node->as_array();
  if (!array || !array->is_array_of_tables())
    r.fail(node->source(), "gateways must be an array of tables ([[gateways]])");
  for (size_t i = 0; i < array->size(); ++i)
    config.gateways.push_back(
        read_gateway(r, *(*array)[i].as_table(), "gateways[" + std::to_string(i) + "]"));
  check_unique_names(r, *array, config);
}

}  // namespace

Config parse_config(std::string_view text, const fs::path& source) {
  Reader r(source);
  toml::table root;
  try {
    root = toml::parse(text, source.string());
  } catch (const toml::parse_error& e) {
    r.fail(e.source(), std::string(e.description()));
  }
  r.allow_only(root, "", {"server", "plugins", "cache", "http", "gateways"});

  Config config;
  config.source = source;
  fs::path base = fs::absolute(source).parent_path();
  read_server(r, root, config);

  const std::string plugins_default = "plugins";
  const toml::table* plugins = r.table(root, "plugins", "");
  if (plugins) r.allow_only(*plugins, "plugins", {"dir"});
  config.plugins.dir = anchored(
      base, plugins ? r.string(*plugins, "dir", "plugins", &plugins_default) : plugins_default);
  config.plugins.base = base;
  read_cache(r, root, base, config.cache);
  read_http(r, root, base, config.http);
  read_gateways(r, root, config);
  return config;
}

Config load_config(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec))
    throw ConfigError(file.string() + ": cannot read config: no such file");
  try {
    return parse_config(read_regular_file(file, max_config_bytes), file);
  } catch (const FileError& e) {
    throw ConfigError(file.string() + ": cannot read config: " + e.what());
  }
}

}  // namespace gatehouse
