#include "plugin_host/plugin_binding.hpp"

#include "support/log.hpp"

namespace gatehouse {

std::string PluginBinding::label() const {
  if (!instance) return "none";
  return instance->plugin().name() + " " + instance->plugin().version();
}

bool PluginBinding::differs_from(const std::filesystem::path& next_file,
                                 const PluginOptions& next_options) const {
  if (!instance || file != next_file || options != next_options) return true;
  std::error_code ec;
  const LoadedPlugin& loaded = instance->plugin();
  return std::filesystem::last_write_time(loaded.path(), ec) != loaded.loaded_mtime();
}

PluginBinding bind_plugin(const std::string& gateway, const std::filesystem::path& file,
                          PluginOptions options, HostContext host) {
  PluginBinding binding{file, options, nullptr, {}, host.clock->now_unix_ms()};
  try {
    auto plugin = load_plugin(file);
    binding.instance = std::make_shared<PluginInstance>(plugin, gateway, std::move(options), host);
    log_info("gateway '" + gateway + "': plugin " + plugin->name() + " " + plugin->version() +
             " (ABI " + std::to_string(plugin->abi().abi_major) + "." +
             std::to_string(plugin->abi().abi_minor) + ") from " + plugin->path().string());
  } catch (const PluginError& e) {
    binding.error = e.what();
    log_error("gateway '" + gateway + "' disabled: " + binding.error);
  }
  return binding;
}

}  // namespace gatehouse
