// The function table the host lends each plugin instance (gatehouse_host_services).
#pragma once

#include "plugin_host/http_client.hpp"
#include "plugin_host/plugin_options.hpp"
#include "support/clock.hpp"

#include <gatehouse/plugin.h>
#include <gatehouse/redact.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace gatehouse {

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

  // A plugin call (a fetch) begins. Its first http_get's origin is the one the plugin's
  // headers (its credentials) are meant for; later requests to another origin (a Link to
  // elsewhere, say) go without them but Accept. And its requests together have the HTTP
  // client's fetch_timeout: past it, http_get fails, so no upstream keeps a fetch forever.
  void begin_call();
  // What the plugin logged at WARN or ERROR since begin_call(): what went wrong but did not
  // fail the call (an enrichment source that was down, say), for /v1/catalog/gateways.
  std::vector<std::string> take_warnings();

  // `text` without any secret this gateway was given: the values of the variables its
  // *_env options name, and every credential header its plugin sent. Every text of the
  // gateway that leaves the host (log lines, warnings, errors, swap history) passes here.
  std::string redact(std::string_view text) const { return secrets()->redact(text); }
  std::shared_ptr<const Redactor> secrets() const;

 private:
  static void log(void* context, int32_t level, const char* message, size_t size);
  static int32_t option(void* context, const char* key, size_t key_size, gatehouse_str* value);
  static int32_t option_at(void* context, size_t index, gatehouse_str* key, gatehouse_str* value);
  static int64_t now_unix_ms(void* context);
  static gatehouse_status http_get(void* context, const gatehouse_http_request* request,
                                   gatehouse_http_response_fn on_response, void* user,
                                   gatehouse_error* error);

  // The headers a request may carry to `url`'s origin.
  HttpHeaders headers_for(const std::string& url, HttpHeaders headers);
  // Adds to the secrets; read again at each call, so a rotated key is known at once.
  void learn_env_secrets();
  void learn_header_secrets(const HttpHeaders& headers);
  void learn(const std::function<void(Redactor&)>& add);

  std::string gateway_;
  PluginOptions options_;
  HostContext context_;
  gatehouse_host_services table_;
  // The time this call's requests may still take; throws HttpError when none is left.
  std::chrono::milliseconds time_left(uint32_t asked_ms) const;

  mutable std::mutex secrets_mutex_;
  // Replaced, never changed, so a reader (the HTTP client's retry log) holds a copy
  // without holding the lock.
  std::shared_ptr<const Redactor> secrets_ = std::make_shared<const Redactor>();

  std::mutex warnings_mutex_;
  std::vector<std::string> warnings_;

  std::mutex origin_mutex_;
  std::string trusted_origin_;            // empty until the call's first request
  std::atomic<int64_t> call_started_ms_;  // on the host's clock, which tests move
};

}  // namespace gatehouse
