// Binds a configured gateway to an instance of its plugin: at start-up, and on a rebind.
#pragma once

#include "config.hpp"
#include "plugin_instance.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gatehouse {

// A gateway slot's plugin instance and the config it was made from. Immutable once made:
// a rebind makes a new one, and whoever holds the old one keeps its library loaded.
struct GatewayBinding {
  GatewayConfig config;
  std::shared_ptr<PluginInstance> instance;  // null when the plugin was rejected
  std::string error;                         // why it was rejected
  int64_t bound_at_ms = 0;
};

// Loads the gateway's plugin and creates its instance, logging the outcome; a rejection
// is kept in `error`. The instance borrows `http` (which must outlive it) for its fetches.
GatewayBinding bind_gateway(const Config& config, const GatewayConfig& gateway,
                            const HttpClient* http);

// bind_gateway for every gateway of the config. A rejected plugin disables only its own
// gateway; the rest carry on.
std::vector<GatewayBinding> bind_gateways(const Config& config, const HttpClient* http);

}  // namespace gatehouse
