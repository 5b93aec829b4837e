// A gateway's plugin instance, made at start-up and again at every rebind.
#pragma once

#include "plugin_host/plugin_instance.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace gatehouse {

// The instance made from one file with one set of options, or why none could be made.
// Immutable: a rebind makes a new one, and whoever holds the old one keeps its library.
struct PluginBinding {
  std::filesystem::path file;
  PluginOptions options;
  std::shared_ptr<PluginInstance> instance;  // null when the plugin was rejected
  std::string error;                         // why it was rejected
  int64_t bound_at_ms = 0;

  // "portkey 1.0.0", or "none" when the plugin was rejected.
  std::string label() const;
  // True when binding `file` with `options` now would run other code or settings: another
  // file or options, the same file rebuilt since, or a plugin that was rejected.
  bool differs_from(const std::filesystem::path& file, const PluginOptions& options) const;
};

// Loads `file` and creates its instance for `gateway`, logging the outcome. A rejection
// is kept in `error`, not thrown: it disables only this gateway.
PluginBinding bind_plugin(const std::string& gateway, const std::filesystem::path& file,
                          PluginOptions options, HostContext host);

}  // namespace gatehouse
