// The function table the host lends each plugin instance (gatehouse_host_services).
#pragma once

#include <gatehouse/plugin.h>

#include <string>
#include <utility>
#include <vector>

namespace gatehouse {

using PluginOptions = std::vector<std::pair<std::string, std::string>>;

class HttpClient;

// Owns what the table points at. Not movable: the plugin keeps the table's address.
class HostServices {
 public:
  // Without an HTTP client, http_get answers GATEHOUSE_ERR_UNSUPPORTED.
  HostServices(std::string gateway, PluginOptions options, const HttpClient* http = nullptr);
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
  const HttpClient* http_;
  gatehouse_host_services table_;
};

}  // namespace gatehouse
