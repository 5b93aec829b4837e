// Binds each configured gateway to an instance of its plugin at start-up.
#pragma once

#include "config.hpp"
#include "plugin_instance.hpp"

#include <memory>
#include <string>
#include <vector>

namespace gatehouse {

struct GatewayBinding {
  GatewayConfig config;
  std::shared_ptr<PluginInstance> instance;  // null when the plugin was rejected
  std::string error;                         // why it was rejected
};

// Loads every gateway's plugin and logs each outcome. A rejected plugin disables only
// its own gateway; the rest carry on.
// Every instance borrows `http` (which must outlive them) for its fetches.
std::vector<GatewayBinding> bind_gateways(const Config& config, const HttpClient* http);

}  // namespace gatehouse
