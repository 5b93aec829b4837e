#include "host_services.hpp"

#include "log.hpp"

#include <chrono>
#include <string_view>

namespace gatehouse {
namespace {

HostServices& self(void* context) { return *static_cast<HostServices*>(context); }

gatehouse_str view(const std::string& s) { return {s.data(), s.size()}; }

LogLevel level_from_abi(int32_t level) {
  switch (level) {
    case GATEHOUSE_LOG_DEBUG: return LogLevel::debug;
    case GATEHOUSE_LOG_WARN: return LogLevel::warn;
    case GATEHOUSE_LOG_ERROR: return LogLevel::error;
    default: return LogLevel::info;
  }
}

}  // namespace

HostServices::HostServices(std::string gateway, PluginOptions options)
    : gateway_(std::move(gateway)), options_(std::move(options)) {
  table_ = {};
  table_.struct_size = sizeof table_;
  table_.abi_major = GATEHOUSE_ABI_MAJOR;
  table_.abi_minor = GATEHOUSE_ABI_MINOR;
  table_.host_context = this;
  table_.log = &HostServices::log;
  table_.option = &HostServices::option;
  table_.option_at = &HostServices::option_at;
  table_.now_unix_ms = &HostServices::now_unix_ms;
  table_.http_get = &HostServices::http_get;
}

void HostServices::log(void* context, int32_t level, const char* message, size_t size) {
  std::string line = "[" + self(context).gateway_ + "] ";
  line.append(message, size);
  gatehouse::log(level_from_abi(level), line);
}

int32_t HostServices::option(void* context, const char* key, size_t key_size,
                             gatehouse_str* value) {
  for (const auto& [k, v] : self(context).options_) {
    if (std::string_view(k) == std::string_view(key, key_size)) {
      *value = view(v);
      return 1;
    }
  }
  return 0;
}

int32_t HostServices::option_at(void* context, size_t index, gatehouse_str* key,
                                gatehouse_str* value) {
  const PluginOptions& options = self(context).options_;
  if (index >= options.size()) return 0;
  *key = view(options[index].first);
  *value = view(options[index].second);
  return 1;
}

int64_t HostServices::now_unix_ms(void*) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

gatehouse_status HostServices::http_get(void*, const gatehouse_http_request*,
                                        gatehouse_http_response_fn, void*, gatehouse_error* error) {
  // The HTTP client lands with the Hugging Face plugin (issue #4); until then a plugin
  // that fetches learns why, instead of hanging or crashing.
  constexpr std::string_view message = "this host build has no HTTP client yet";
  gatehouse_error_set(error, message.data(), message.size());
  return GATEHOUSE_ERR_UNSUPPORTED;
}

}  // namespace gatehouse
