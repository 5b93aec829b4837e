#include "plugin_host/host_services.hpp"

#include "plugin_host/http_client.hpp"
#include "support/log.hpp"
#include "support/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string_view>
#include <utility>

#include <gatehouse/text.hpp>

namespace gatehouse {
namespace {

constexpr size_t max_warnings_kept = 8;

HostServices& self(void* context) { return *static_cast<HostServices*>(context); }

gatehouse_str view(const std::string& s) { return {s.data(), s.size()}; }
std::string_view view(gatehouse_str s) { return {s.data ? s.data : "", s.data ? s.size : 0}; }

// RFC 9110's token characters.
bool is_header_name(std::string_view name) {
  constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           specials.find(c) != std::string_view::npos;
  });
}

// Visible characters, spaces and tabs: no CR, LF, NUL or other control byte.
bool is_header_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && u != '\t') || u == 0x7f;
  });
}

LogLevel level_from_abi(int32_t level) {
  switch (level) {
    case GATEHOUSE_LOG_DEBUG: return LogLevel::debug;
    case GATEHOUSE_LOG_WARN: return LogLevel::warn;
    case GATEHOUSE_LOG_ERROR: return LogLevel::error;
    default: return LogLevel::info;
  }
}

}  // namespace

HostServices::HostServices(std::string gateway, PluginOptions options, HostContext context)
    : gateway_(std::move(gateway)),
      options_(std::move(options)),
      context_(context),
      call_started_ms_(context.clock->now_unix_ms()) {
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
  learn_env_secrets();
}

std::shared_ptr<const Redactor> HostServices::secrets() const {
  std::lock_guard lock(secrets_mutex_);
  return secrets_;
}

void HostServices::learn(const std::function<void(Redactor&)>& add) {
  std::lock_guard lock(secrets_mutex_);
  Redactor more = *secrets_;
  add(more);
  if (more.size() != secrets_->size()) secrets_ = std::make_shared<const Redactor>(std::move(more));
}

void HostServices::learn_env_secrets() {
  learn([this](Redactor& r) {
    for (const std::string& secret : secrets_from_env(options_)) r.add(secret);
  });
}

void HostServices::learn_header_secrets(const HttpHeaders& headers) {
  learn([&](Redactor& r) {
    for (const auto& [name, value] : headers) r.add_header(name, value);
  });
}

void HostServices::log(void* context, int32_t level, const char* message, size_t size) {
  HostServices& host = self(context);
  std::string text = host.redact({message, size});
  gatehouse::log(level_from_abi(level), "[" + host.gateway_ + "] " + text);
  if (level < GATEHOUSE_LOG_WARN) return;
  std::lock_guard lock(host.warnings_mutex_);
  if (host.warnings_.size() < max_warnings_kept)
    host.warnings_.push_back(to_valid_utf8(one_line_prefix(text, 300)));
}

std::vector<std::string> HostServices::take_warnings() {
  std::lock_guard lock(warnings_mutex_);
  return std::exchange(warnings_, {});
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

int64_t HostServices::now_unix_ms(void* context) {
  return self(context).context_.clock->now_unix_ms();
}

void HostServices::begin_call() {
  take_warnings();
  learn_env_secrets();
  call_started_ms_ = context_.clock->now_unix_ms();
  std::lock_guard lock(origin_mutex_);
  trusted_origin_.clear();
}

std::chrono::milliseconds HostServices::time_left(uint32_t asked_ms) const {
  using namespace std::chrono;
  const HttpClientSettings& settings = context_.http->settings();
  auto spent = milliseconds(std::max<int64_t>(0, context_.clock->now_unix_ms() - call_started_ms_));
  if (spent >= settings.fetch_timeout)
    throw HttpError(
        HttpError::Kind::timeout,
        "this fetch has taken " + std::to_string(spent.count()) +
            " ms, past http.fetch_timeout_ms = " + std::to_string(settings.fetch_timeout.count()));
  milliseconds asked = asked_ms ? milliseconds(asked_ms) : settings.timeout;
  return std::min(asked, settings.fetch_timeout - spent);
}

HttpHeaders HostServices::headers_for(const std::string& url, HttpHeaders headers) {
  std::optional<std::string> origin = url_origin(url);
  std::lock_guard lock(origin_mutex_);
  if (!origin || trusted_origin_.empty() || *origin == trusted_origin_) {
    if (origin && trusted_origin_.empty()) trusted_origin_ = *origin;
    return headers;
  }
  HttpHeaders kept = without_credentials(headers);
  if (kept.size() != headers.size())
    log_warn("[" + gateway_ + "] " +
             redact("GET " + url + ": another origin than " + trusted_origin_ +
                    ", sent without the plugin's credentials"));
  return kept;
}

gatehouse_status HostServices::http_get(void* context, const gatehouse_http_request* request,
                                        gatehouse_http_response_fn on_response, void* user,
                                        gatehouse_error* error) {
  HostServices& host = self(context);
  // A transport error names the URL, and the URL may hold what an upstream echoed.
  auto fail = [error, &host](gatehouse_status status, std::string_view message) {
    std::string text = host.redact(message);
    gatehouse_error_set(error, text.data(), text.size());
    return status;
  };
  const HttpClient* http = host.context_.http;
  if (!http) return fail(GATEHOUSE_ERR_UNSUPPORTED, "this host has no HTTP client here");
  if (!request || request->struct_size < http_request_v1_0_size || !request->url.data ||
      (request->header_count > 0 && !request->headers))
    return fail(GATEHOUSE_ERR_INVALID_ARGUMENT,
                "http_get needs a gatehouse_http_request of at least " +
                    std::to_string(http_request_v1_0_size) + " bytes with a url");
  HttpHeaders headers;
  for (size_t i = 0; i < request->header_count; ++i) {
    std::string name(view(request->headers[i].name)), value(view(request->headers[i].value));
    // A key read from a variable with a CR or LF in it would add headers of its own.
    if (!is_header_name(name) || !is_header_value(value))
      return fail(GATEHOUSE_ERR_INVALID_ARGUMENT,
                  "request header '" + printable(name.substr(0, 64)) +
                      "' has a name that is not a token or a value with a control character");
    headers.emplace_back(std::move(name), std::move(value));
  }
  host.learn_header_secrets(headers);
  std::shared_ptr<const Redactor> secrets = host.secrets();
  std::string url(request->url.data, request->url.size);
  HttpClientResponse r;
  try {
    r = http->get(url, host.headers_for(url, std::move(headers)),
                  host.time_left(request->timeout_ms), secrets.get());
  } catch (const HttpError& e) {
    return fail(e.kind() == HttpError::Kind::bad_url ? GATEHOUSE_ERR_INVALID_ARGUMENT
                                                     : GATEHOUSE_ERR_NETWORK,
                e.what());
  } catch (const std::exception& e) {
    return fail(GATEHOUSE_ERR_INTERNAL, e.what());
  }
  std::vector<gatehouse_http_header> c_headers;
  c_headers.reserve(r.headers.size());
  for (const auto& [name, value] : r.headers) c_headers.push_back({view(name), view(value)});
  gatehouse_http_response response{sizeof(gatehouse_http_response),
                                   static_cast<int32_t>(r.status),
                                   view(r.url),
                                   c_headers.data(),
                                   c_headers.size(),
                                   view(r.body)};
  return on_response(user, &response, error);
}

}  // namespace gatehouse
