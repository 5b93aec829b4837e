// The function table the host lends each plugin instance (gatehouse_host_services).
#pragma once

#include "plugin_host/plugin_options.hpp"
#include "support/clock.hpp"

#include <gatehouse/plugin.h>

#include <cstddef>
#include <string>

namespace gatehouse {

class HttpClient;

// What every instance borrows from the host besides its options; both must outlive it.
struct HostContext {
  const HttpClient* http = nullptr;  // none: http_get answers GATEHOUSE_ERR_UNSUPPORTED
  const Clock* clock = &system_clock();
};

// The part of gatehouse_http_request that ABI 1.0 defined: a plugin built against 1.0
// passes at least this much, and the host reads a later field only when struct_size
// covers it (the append-only rule).
inline constexpr size_t http_request_v1_0_size =
    offsetof(gatehouse_http_request, timeout_ms) + sizeof(uint32_t);

// Owns what the table points at. Not movable: the plugin keeps the table's address.
class HostServices {
 public:
  HostServices(std::string gateway, PluginOptions options, HostContext context = {});
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  const gatehouse_host_services* table() const { return &table_; }
  const std::string& gateway() const { return gateway_; }

 private:
  static void log(void* context, int32_t level, const char* message, size_t size);
  static int32_t option(void* context, const char* key, size_t key_size, gatehouse_str* value);
  static int32_t option_at(void* context, size_t index, gatehouse_str* key, gatehouse_str* value);
  static int64_t now_unix_ms(void* context);
  static gatehouse_status http_get(void* context, const gatehouse_http_request* request,
                                   gatehouse_http_response_fn on_response, void* user,
                                   gatehouse_error* error);

  std::string gateway_;
  PluginOptions options_;
  HostContext context_;
  gatehouse_host_services table_;
};

}  // namespace gatehouse
