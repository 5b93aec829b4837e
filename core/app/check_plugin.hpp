// `gatehouse check-plugin`: what a gateway author runs first on a new build.
#pragma once

#include "plugin_host/plugin_options.hpp"

#include <filesystem>
#include <iosfwd>
#include <optional>

namespace gatehouse {

struct CheckPluginRequest {
  std::filesystem::path plugin;
  std::optional<std::filesystem::path> sample;  // recorded upstream bytes for normalize
  PluginOptions options;
};

// Loads and describes the plugin, creates an instance, and normalizes the sample.
// Returns the process exit status: 0 only when every step worked and the sample gave
// at least one model and no invalid one.
int check_plugin(const CheckPluginRequest& request, std::ostream& out, std::ostream& err);

}  // namespace gatehouse
