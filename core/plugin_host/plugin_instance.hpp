// One plugin instance bound to one gateway's options: create, call, destroy.
#pragma once

#include "plugin_host/host_services.hpp"
#include "plugin_host/plugin_loader.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// "OK", "CONFIG", ... for logs and error messages.
std::string_view status_name(gatehouse_status status);

struct CallResult {
  gatehouse_status status = GATEHOUSE_OK;
  std::string message;                // the plugin's, or one the host made up when it gave none
  std::vector<std::string> warnings;  // what the plugin logged at WARN or above meanwhile
  bool ok() const { return status == GATEHOUSE_OK; }
};

// Called once per model the plugin emits; the model's views die when it returns.
using ModelCallback = std::function<gatehouse_status(const gatehouse_model&)>;

class PluginInstance {
 public:
  // Throws PluginError naming the file and the plugin's reason when create fails.
  PluginInstance(std::shared_ptr<const LoadedPlugin> plugin, std::string gateway,
                 PluginOptions options, HostContext context = {});
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  CallResult fetch(const ModelCallback& on_model);
  CallResult normalize(std::string_view bytes, const ModelCallback& on_model);

  const LoadedPlugin& plugin() const { return *plugin_; }

  // `text` without the secrets of this instance's gateway (HostServices::redact): for
  // what the host writes of the models and errors it had from the plugin. The CallResult
  // messages and warnings are redacted already.
  std::string redact(std::string_view text) const { return host_->redact(text); }

 private:
  template <class Call>
  CallResult call(const ModelCallback& on_model, Call&& invoke);

  std::shared_ptr<const LoadedPlugin> plugin_;  // first member: unloaded after all below
  std::unique_ptr<HostServices> host_;
  gatehouse_instance* handle_ = nullptr;
  std::mutex calls_;  // the ABI promises a plugin one call at a time per instance
};

}  // namespace gatehouse
