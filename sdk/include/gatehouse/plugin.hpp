// Header-only C++ helpers over plugin.h. A plugin author writes one class and one macro:
//
//   class MyPlugin {
//    public:
//     explicit MyPlugin(gatehouse::Host host);                  // read options; no I/O
//     void fetch(gatehouse::ModelSink& sink);                   // network through host
//     void normalize(std::string_view bytes, gatehouse::ModelSink& sink);  // pure
//   };
//   GATEHOUSE_PLUGIN(MyPlugin, "myplugin", "1.0.0", "What it catalogs, in one line")
//
// Throw gatehouse::Error(status, message) to fail with a status; any other exception
// becomes GATEHOUSE_ERR_INTERNAL. No exception ever crosses the C boundary.
#ifndef GATEHOUSE_PLUGIN_HPP
#define GATEHOUSE_PLUGIN_HPP

#include <gatehouse/plugin.h>
#include <gatehouse/redact.hpp>
#include <gatehouse/text.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse {

class Error : public std::runtime_error {
 public:
  Error(gatehouse_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  gatehouse_status status() const noexcept { return status_; }

 private:
  gatehouse_status status_;
};

namespace detail {
inline gatehouse_str to_c(std::string_view s) noexcept { return {s.data(), s.size()}; }
inline std::string_view from_c(gatehouse_str s) noexcept { return {s.data, s.size}; }
inline int64_t to_c(std::optional<int64_t> v) noexcept { return v ? *v : GATEHOUSE_UNKNOWN_INT; }

}  // namespace detail

struct HttpHeader {
  std::string_view name;
  std::string_view value;
};

// A response as the host lends it: every view is valid only inside the callback.
struct HttpResponse {
  int status = 0;
  std::string_view url;
  std::span<const gatehouse_http_header> headers;
  std::string_view body;
  std::span<const HttpHeader> sent;  // the request's headers, kept out of failure()

  // The first header of that name, compared case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const {
    for (const auto& h : headers)
      if (iequals(detail::from_c(h.name), name)) return detail::from_c(h.value);
    return std::nullopt;
  }

  bool ok() const { return status >= 200 && status <= 299; }

  // "HTTP 401 from URL: <the body's first 200 bytes, whole characters, one line>", for an
  // answer that is not ok(). An upstream that echoes the key it was sent ("Invalid key:
  // Bearer sk-...") must not put it in logs and /v1/catalog/gateways: every sent header
  // value but Accept's, and its last word, reads "<redacted>" (the host's rule too, see
  // redact.hpp; the host redacts again what it is handed, with every secret it knows).
  std::string failure() const {
    std::string text = "HTTP " + std::to_string(status) + " from " + one_line_prefix(url, 300);
    std::string start = one_line_prefix(body, 200);
    if (!start.empty()) text += ": " + start;
    Redactor secrets;
    for (const HttpHeader& h : sent) secrets.add_header(h.name, h.value);
    return secrets.redact(text);
  }
};

// The secret held by the environment variable `variable` (an option names it, so config
// files hold no secrets), read when called, so a key set or rotated later is picked up
// without a reload. nullopt when unset or empty; GATEHOUSE_ERR_CONFIG naming the variable,
// never its value, when it holds a control byte (a CR or LF would add request headers).
inline std::optional<std::string> secret_from_env(const std::string& variable) {
  const char* value = variable.empty() ? nullptr : std::getenv(variable.c_str());
  if (!value || !*value) return std::nullopt;
  std::string secret(value);
  for (char c : secret)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw Error(GATEHOUSE_ERR_CONFIG, "environment variable " + variable +
                                            " holds a control character (a line break?)");
  return secret;
}

// The host services of one instance. Cheap to copy; valid until the instance is destroyed.
class Host {
 public:
  explicit Host(const gatehouse_host_services* services) : services_(services) {}

  void log(int32_t level, std::string_view message) const {
    services_->log(services_->host_context, level, message.data(), message.size());
  }
  void info(std::string_view message) const { log(GATEHOUSE_LOG_INFO, message); }
  void warn(std::string_view message) const { log(GATEHOUSE_LOG_WARN, message); }

  std::optional<std::string_view> option(std::string_view key) const {
    gatehouse_str value{};
    if (!services_->option(services_->host_context, key.data(), key.size(), &value))
      return std::nullopt;
    return detail::from_c(value);
  }
  std::string_view option_or(std::string_view key, std::string_view fallback) const {
    return option(key).value_or(fallback);
  }

  // An http(s) URL option without trailing '/', e.g. base_url; throws GATEHOUSE_ERR_CONFIG
  // naming the option when it is anything else.
  std::string url_option(std::string_view key, std::string_view fallback) const {
    std::string url(option_or(key, fallback));
    while (url.ends_with('/')) url.pop_back();
    std::string_view rest = url.starts_with("https://")  ? std::string_view(url).substr(8)
                            : url.starts_with("http://") ? std::string_view(url).substr(7)
                                                         : std::string_view();
    std::string_view authority = rest.substr(0, rest.find('/'));
    // No user:password@ (it would be shown in every error, and is never sent), no query
    // or fragment (paths are appended), no spaces or control bytes.
    bool plain = std::none_of(url.begin(), url.end(), [](char c) {
      return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '?' || c == '#';
    });
    if (authority.empty() || authority.find('@') != std::string_view::npos || !plain)
      throw Error(GATEHOUSE_ERR_CONFIG,
                  "option '" + std::string(key) +
                      "' must be an http(s) URL with a host and no user, query or fragment, got '" +
                      one_line_prefix(url, 200) + "'");
    return url;
  }

  // Throws GATEHOUSE_ERR_CONFIG naming the first option not in `known`: a typo in
  // config.toml must not pass silently.
  void require_known_options(std::initializer_list<std::string_view> known) const {
    gatehouse_str key{}, value{};
    for (size_t i = 0; services_->option_at(services_->host_context, i, &key, &value); ++i) {
      bool found = false;
      for (auto k : known) found = found || k == detail::from_c(key);
      if (found) continue;
      std::string list;
      for (auto k : known) list.append(list.empty() ? "" : ", ").append(k);
      throw Error(GATEHOUSE_ERR_CONFIG, "unknown option '" + std::string(detail::from_c(key)) +
                                            "' (known: " + list + ")");
    }
  }

  int64_t now_unix_ms() const { return services_->now_unix_ms(services_->host_context); }

  // GETs url and calls on_response(const HttpResponse&) before returning. Throws
  // gatehouse::Error on transport failure, and rethrows what on_response threw.
  template <class OnResponse>
  void http_get(std::string_view url, std::span<const HttpHeader> headers, OnResponse&& on_response,
                uint32_t timeout_ms = 0) const;

  const gatehouse_host_services* raw() const noexcept { return services_; }

 private:
  const gatehouse_host_services* services_;
};

// A model as the plugin builds it. A default-constructed view means "absent" (null);
// every view and span must stay valid until ModelSink::emit returns.
// One way to use a model (ABI 1.1): who serves it, under which id, at what price.
struct Offer {
  std::string_view provider;            // required, e.g. "together"
  std::string_view model_id;            // required: the id the upstream takes for this offer
  std::string_view pricing_prompt;      // decimal text, USD per token (see price.hpp)
  std::string_view pricing_completion;  // decimal text, USD per token
  std::optional<int64_t> context_length;
  std::optional<int64_t> max_output_tokens;
  std::string_view status;  // e.g. "live"; absent = the upstream does not say
};

struct Model {
  std::string_view id;
  std::string_view name;
  std::string_view description;
  std::optional<int64_t> created;  // Unix seconds
  std::optional<int64_t> context_length;
  std::string_view provider_slug;
  std::string_view provider_site_url;
  std::span<const std::string_view> input_modalities;
  std::span<const std::string_view> output_modalities;
  std::string_view pricing_prompt;
  std::string_view pricing_completion;
  std::optional<int64_t> downloads;
  std::optional<int64_t> likes;
  std::string_view pipeline_tag;
  std::string_view metrics_key;   // e.g. "huggingface_metrics"
  std::string_view metrics_json;  // a JSON object's text
  std::string_view canonical_id;  // the Hugging Face repo id, when known (ABI 1.1)
  std::span<const Offer> offers;  // ABI 1.1
};

// The one offer of a gateway that serves what it lists (OpenRouter, an OpenAI-compatible
// server): the model's own id, prices and window, from `provider`. Its views are m's.
inline Offer own_offer(const Model& m, std::string_view provider) {
  Offer o;
  o.provider = provider;
  o.model_id = m.id;
  o.pricing_prompt = m.pricing_prompt;
  o.pricing_completion = m.pricing_completion;
  o.context_length = m.context_length;
  return o;
}

class ModelSink {
 public:
  static constexpr size_t max_modalities = 16;

  explicit ModelSink(const gatehouse_model_sink* sink) : sink_(sink) {}

  // Hands one model to the host. Throws gatehouse::Error when the host says stop.
  void emit(const Model& m) const {
    gatehouse_str inputs[max_modalities], outputs[max_modalities];
    gatehouse_model c{};
    c.struct_size = sizeof c;
    c.id = detail::to_c(m.id);
    c.name = detail::to_c(m.name);
    c.description = detail::to_c(m.description);
    c.created = detail::to_c(m.created);
    c.context_length = detail::to_c(m.context_length);
    c.provider_slug = detail::to_c(m.provider_slug);
    c.provider_site_url = detail::to_c(m.provider_site_url);
    c.input_modalities = inputs;
    c.input_modality_count = copy_modalities(m.input_modalities, inputs);
    c.output_modalities = outputs;
    c.output_modality_count = copy_modalities(m.output_modalities, outputs);
    c.pricing_prompt = detail::to_c(m.pricing_prompt);
    c.pricing_completion = detail::to_c(m.pricing_completion);
    c.downloads = detail::to_c(m.downloads);
    c.likes = detail::to_c(m.likes);
    c.pipeline_tag = detail::to_c(m.pipeline_tag);
    c.metrics_key = detail::to_c(m.metrics_key);
    c.metrics_json = detail::to_c(m.metrics_json);
    c.canonical_id = detail::to_c(m.canonical_id);
    offers_.clear();
    for (const Offer& o : m.offers) offers_.push_back(to_c(o));
    c.offers = offers_.data();
    c.offer_count = offers_.size();
    c.offer_stride = sizeof(gatehouse_offer);
    gatehouse_status status = sink_->emit(sink_->host_context, &c);
    if (status != GATEHOUSE_OK) throw Error(status, "the host stopped the model stream");
  }

 private:
  static size_t copy_modalities(std::span<const std::string_view> from, gatehouse_str* to) {
    if (from.size() > max_modalities)
      throw Error(GATEHOUSE_ERR_INVALID_ARGUMENT, "more than 16 modalities in one model");
    for (size_t i = 0; i < from.size(); ++i) to[i] = detail::to_c(from[i]);
    return from.size();
  }

  static gatehouse_offer to_c(const Offer& o) {
    gatehouse_offer c{};
    c.struct_size = sizeof c;
    c.provider = detail::to_c(o.provider);
    c.model_id = detail::to_c(o.model_id);
    c.pricing_prompt = detail::to_c(o.pricing_prompt);
    c.pricing_completion = detail::to_c(o.pricing_completion);
    c.context_length = detail::to_c(o.context_length);
    c.max_output_tokens = detail::to_c(o.max_output_tokens);
    c.status = detail::to_c(o.status);
    return c;
  }

  const gatehouse_model_sink* sink_;
  mutable std::vector<gatehouse_offer> offers_;  // reused from one emit to the next
};

namespace detail {

// Runs body, turning every exception into a status and a message in *error.
template <class Body>
gatehouse_status guarded(gatehouse_error* error, Body&& body) noexcept {
  auto fail = [error](gatehouse_status status, std::string_view message) {
    gatehouse_error_set(error, message.data(), message.size());
    return status;
  };
  try {
    body();
    return GATEHOUSE_OK;
  } catch (const Error& e) {
    return fail(e.status(), e.what());
  } catch (const std::exception& e) {
    return fail(GATEHOUSE_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(GATEHOUSE_ERR_INTERNAL, "unknown exception");
  }
}

template <class OnResponse>
struct HttpCallback {
  OnResponse& on_response;
  std::span<const HttpHeader> sent;
  std::exception_ptr thrown;

  static gatehouse_status call(void* user, const gatehouse_http_response* r,
                               gatehouse_error* error) {
    auto* self = static_cast<HttpCallback*>(user);
    HttpResponse response{
        r->status, from_c(r->url), {r->headers, r->header_count}, from_c(r->body), self->sent};
    try {
      self->on_response(response);
      return GATEHOUSE_OK;
    } catch (...) {
      // Carried across the host's C frames by hand, rethrown once http_get returns.
      self->thrown = std::current_exception();
      gatehouse_error_set(error, "response handler failed", 23);
      return GATEHOUSE_ERR_INTERNAL;
    }
  }
};

template <class Plugin>
struct Adapter {
  static Plugin* self(gatehouse_instance* instance) { return reinterpret_cast<Plugin*>(instance); }

  static gatehouse_status create(const gatehouse_host_services* host, gatehouse_instance** out,
                                 gatehouse_error* error) noexcept {
    return guarded(error,
                   [&] { *out = reinterpret_cast<gatehouse_instance*>(new Plugin(Host(host))); });
  }

  static void destroy(gatehouse_instance* instance) noexcept { delete self(instance); }

  static gatehouse_status fetch(gatehouse_instance* instance, const gatehouse_model_sink* sink,
                                gatehouse_error* error) noexcept {
    return guarded(error, [&] {
      ModelSink s(sink);
      self(instance)->fetch(s);
    });
  }

  static gatehouse_status normalize(gatehouse_instance* instance, const char* bytes, size_t size,
                                    const gatehouse_model_sink* sink,
                                    gatehouse_error* error) noexcept {
    return guarded(error, [&] {
      ModelSink s(sink);
      self(instance)->normalize(std::string_view(bytes, size), s);
    });
  }
};

template <class Plugin>
constexpr gatehouse_plugin describe(const char* name, const char* version,
                                    const char* description) {
  gatehouse_plugin d{};
  d.struct_size = sizeof d;
  d.abi_major = GATEHOUSE_ABI_MAJOR;
  d.abi_minor = GATEHOUSE_ABI_MINOR;
  d.name = name;
  d.version = version;
  d.description = description;
  d.create = &Adapter<Plugin>::create;
  d.destroy = &Adapter<Plugin>::destroy;
  d.fetch = &Adapter<Plugin>::fetch;
  d.normalize = &Adapter<Plugin>::normalize;
  return d;
}

}  // namespace detail

template <class OnResponse>
void Host::http_get(std::string_view url, std::span<const HttpHeader> headers,
                    OnResponse&& on_response, uint32_t timeout_ms) const {
  constexpr size_t max_headers = 32;
  if (headers.size() > max_headers)
    throw Error(GATEHOUSE_ERR_INVALID_ARGUMENT, "more than 32 request headers");
  gatehouse_http_header c_headers[max_headers];
  for (size_t i = 0; i < headers.size(); ++i)
    c_headers[i] = {detail::to_c(headers[i].name), detail::to_c(headers[i].value)};

  gatehouse_http_request request{sizeof request, detail::to_c(url), c_headers, headers.size(),
                                 timeout_ms};
  detail::HttpCallback<OnResponse> callback{on_response, headers, nullptr};
  char message[1024];
  gatehouse_error error{sizeof error, message, sizeof message, 0};
  gatehouse_status status =
      services_->http_get(services_->host_context, &request,
                          &detail::HttpCallback<OnResponse>::call, &callback, &error);
  if (callback.thrown) std::rethrow_exception(callback.thrown);
  if (status != GATEHOUSE_OK) throw Error(status, std::string(message, error.length));
}

}  // namespace gatehouse

// Defines the plugin's exported entry point for the class `Class`.
#define GATEHOUSE_PLUGIN(Class, NAME, VERSION, DESCRIPTION)                      \
  GATEHOUSE_PLUGIN_EXPORT const gatehouse_plugin* gatehouse_plugin_entry(void) { \
    static constexpr gatehouse_plugin descriptor =                               \
        ::gatehouse::detail::describe<Class>(NAME, VERSION, DESCRIPTION);        \
    return &descriptor;                                                          \
  }

#endif  // GATEHOUSE_PLUGIN_HPP
