#include "plugin_host/plugin_instance.hpp"

#include <exception>

namespace gatehouse {
namespace {

constexpr size_t error_capacity = 1024;

struct ErrorBuffer {
  char text[error_capacity];
  gatehouse_error error{sizeof(gatehouse_error), text, error_capacity, 0};

  std::string message(gatehouse_status status) const {
    if (error.length > 0) return std::string(text, std::min(error.length, error_capacity));
    return "plugin returned " + std::string(status_name(status)) + " without a message";
  }
};

// The sink's C face. A throwing callback must not unwind through the plugin's frames,
// so its exception waits here until the plugin has returned.
struct SinkContext {
  const ModelCallback* on_model;
  std::exception_ptr thrown;

  static gatehouse_status emit(void* context, const gatehouse_model* model) {
    auto* self = static_cast<SinkContext*>(context);
    try {
      return (*self->on_model)(*model);
    } catch (...) {
      self->thrown = std::current_exception();
      return GATEHOUSE_ERR_STOPPED;
    }
  }
};

}  // namespace

std::string_view status_name(gatehouse_status status) {
  switch (status) {
    case GATEHOUSE_OK: return "OK";
    case GATEHOUSE_ERR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case GATEHOUSE_ERR_CONFIG: return "CONFIG";
    case GATEHOUSE_ERR_NETWORK: return "NETWORK";
    case GATEHOUSE_ERR_UPSTREAM: return "UPSTREAM";
    case GATEHOUSE_ERR_PARSE: return "PARSE";
    case GATEHOUSE_ERR_STOPPED: return "STOPPED";
    case GATEHOUSE_ERR_UNSUPPORTED: return "UNSUPPORTED";
    case GATEHOUSE_ERR_INTERNAL: return "INTERNAL";
  }
  return "UNKNOWN_STATUS";
}

PluginInstance::PluginInstance(std::shared_ptr<const LoadedPlugin> plugin, std::string gateway,
                               PluginOptions options, HostContext context)
    : plugin_(std::move(plugin)),
      host_(std::make_unique<HostServices>(std::move(gateway), std::move(options), context)) {
  ErrorBuffer error;
  gatehouse_status status = plugin_->abi().create(host_->table(), &handle_, &error.error);
  if (status != GATEHOUSE_OK || handle_ == nullptr) {
    std::string reason = status != GATEHOUSE_OK ? std::string(status_name(status)) + ": " +
                                                      host_->redact(error.message(status))
                                                : "create returned OK but no instance";
    throw PluginError("plugin " + plugin_->path().string() + " failed to start for gateway '" +
                      host_->gateway() + "': " + reason);
  }
}

PluginInstance::~PluginInstance() {
  std::lock_guard lock(calls_);
  plugin_->abi().destroy(handle_);
}

template <class Call>
CallResult PluginInstance::call(const ModelCallback& on_model, Call&& invoke) {
  std::lock_guard lock(calls_);
  host_->begin_call();
  SinkContext context{&on_model, nullptr};
  gatehouse_model_sink sink{sizeof(gatehouse_model_sink), &context, &SinkContext::emit};
  ErrorBuffer error;
  gatehouse_status status = invoke(sink, error.error);
  if (context.thrown) std::rethrow_exception(context.thrown);
  if (status == GATEHOUSE_OK) return {GATEHOUSE_OK, "", host_->take_warnings()};
  return {status, host_->redact(error.message(status)), host_->take_warnings()};
}

CallResult PluginInstance::fetch(const ModelCallback& on_model) {
  return call(on_model, [&](const gatehouse_model_sink& sink, gatehouse_error& error) {
    return plugin_->abi().fetch(handle_, &sink, &error);
  });
}

CallResult PluginInstance::normalize(std::string_view bytes, const ModelCallback& on_model) {
  return call(on_model, [&](const gatehouse_model_sink& sink, gatehouse_error& error) {
    return plugin_->abi().normalize(handle_, bytes.data(), bytes.size(), &sink, &error);
  });
}

}  // namespace gatehouse
