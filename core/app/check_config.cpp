#include "app/check_config.hpp"

#include "app/app.hpp"
#include "app/config.hpp"
#include "plugin_host/plugin_instance.hpp"

#include <ostream>

namespace gatehouse {
namespace {

// The gateway's plugin, created with its options as the server would; false, with the
// reason on `err`, when it cannot be.
bool check_gateway(const Config& config, const GatewayConfig& g, std::ostream& out,
                   std::ostream& err) {
  std::filesystem::path file = config.plugins.path_of(g.plugin);
  try {
    std::shared_ptr<const LoadedPlugin> plugin = load_plugin(file);
    PluginInstance instance(plugin, g.name, g.options);
    out << "gateway " << g.name << ": " << plugin->name() << " " << plugin->version() << " (ABI "
        << plugin->abi().abi_major << "." << plugin->abi().abi_minor << ") from " << file.string()
        << ", ttl_s " << g.ttl_s << ", " << g.options.size() << " option(s)\n";
    return true;
  } catch (const PluginError& e) {
    err << "gateway " << g.name << ": " << e.what() << "\n";
    return false;
  }
}

}  // namespace

int check_config(const std::filesystem::path& path, std::ostream& out, std::ostream& err) {
  Config config;
  try {
    config = load_config(path);
  } catch (const std::exception& e) {
    err << e.what() << "\n";
    return App::exit_bad_config;
  }
  const std::string& host = config.listen.host;
  out << "config " << config.source.string() << ": would serve on http://"
      << (host.find(':') == std::string::npos ? host : "[" + host + "]") << ":"
      << config.listen.port << ", snapshots in " << config.cache.dir.string() << "\n";
  bool all_good = true;
  for (const GatewayConfig& g : config.gateways)
    all_good = check_gateway(config, g, out, err) && all_good;
  if (!all_good) return App::exit_bad_config;
  out << "ok: " << config.gateways.size() << " gateway(s)\n";
  return 0;
}

}  // namespace gatehouse
