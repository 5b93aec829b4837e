#include "gateway_bindings.hpp"

#include "gateway.hpp"
#include "log.hpp"

namespace gatehouse {

GatewayBinding bind_gateway(const Config& config, const GatewayConfig& gateway,
                            const HttpClient* http) {
  GatewayBinding binding{gateway, nullptr, {}, unix_now_ms()};
  try {
    auto plugin = load_plugin(plugin_path(config, gateway.plugin));
    binding.instance =
        std::make_shared<PluginInstance>(plugin, gateway.name, gateway.options, http);
    log_info("gateway '" + gateway.name + "': plugin " + plugin->name() + " " + plugin->version() +
             " (ABI " + std::to_string(plugin->abi().abi_major) + "." +
             std::to_string(plugin->abi().abi_minor) + ") from " + plugin->path().string());
  } catch (const PluginError& e) {
    binding.error = e.what();
    log_error("gateway '" + gateway.name + "' disabled: " + binding.error);
  }
  return binding;
}

std::vector<GatewayBinding> bind_gateways(const Config& config, const HttpClient* http) {
  std::vector<GatewayBinding> bindings;
  for (const GatewayConfig& gateway : config.gateways)
    bindings.push_back(bind_gateway(config, gateway, http));
  return bindings;
}

}  // namespace gatehouse
