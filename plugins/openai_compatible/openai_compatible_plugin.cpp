// Any OpenAI-compatible `/v1/models` endpoint as a gateway, configured by options only:
// DeepInfra, Groq, Together, Fireworks, Mistral, OpenAI, vLLM, LM Studio, a LiteLLM proxy,
// or Ollama's native /api/tags.
#include "model_list_normalizer.hpp"

#include <gatehouse/plugin.hpp>
#include <gatehouse/url.hpp>

#include <algorithm>

namespace gatehouse::openai_compatible {
namespace {

using gatehouse::Error;

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// "Authorization: Bearer" -> header Authorization, value "Bearer <key>"; "x-api-key" -> the
// bare key in x-api-key.
struct AuthHeader {
  std::string name, prefix;
};

AuthHeader parse_auth_header(std::string_view text) {
  size_t colon = text.find(':');
  std::string_view name = text.substr(0, colon), prefix;
  if (colon != std::string_view::npos) prefix = text.substr(colon + 1);
  while (prefix.starts_with(' ')) prefix.remove_prefix(1);
  while (prefix.ends_with(' ')) prefix.remove_suffix(1);
  bool ok = !name.empty() && std::all_of(name.begin(), name.end(), is_token_char) &&
            std::all_of(prefix.begin(), prefix.end(), is_token_char);
  if (!ok)
    throw Error(GATEHOUSE_ERR_CONFIG,
                "option 'auth_header' must be a header name, optionally followed by ': ' and a "
                "scheme (like \"Authorization: Bearer\" or \"x-api-key\")");
  return {std::string(name), prefix.empty() ? "" : std::string(prefix) + " "};
}

// The metrics object's name: the metrics_key option, else "<provider>_metrics", else
// "openai_compatible_metrics"; the host takes only lower-case letters and '_'.
std::string metrics_key_of(const gatehouse::Host& host) {
  if (auto key = host.option("metrics_key")) {
    bool ok = key->ends_with("_metrics") && key->size() <= 64 &&
              std::all_of(key->begin(), key->end(),
                          [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    if (!ok)
      throw Error(GATEHOUSE_ERR_CONFIG,
                  "option 'metrics_key' must be lower-case letters and '_', ending in "
                  "'_metrics' (at most 64 characters)");
    return std::string(*key);
  }
  std::string provider = gatehouse::ascii_lower(host.option_or("provider", "").substr(0, 48));
  for (char& c : provider)
    if (c < 'a' || c > 'z') c = '_';
  return (provider.empty() ? "openai_compatible" : provider) + "_metrics";
}

std::string base_url_of(const gatehouse::Host& host) {
  if (!host.option("base_url"))
    throw Error(GATEHOUSE_ERR_CONFIG,
                "option 'base_url' is required (like \"https://api.groq.com/openai\" or "
                "\"http://127.0.0.1:8000\"; 'path' is appended to it)");
  return host.url_option("base_url", "");
}

// Who serves the listed models, for their offers: the provider option, else the endpoint's
// host ("api.deepinfra.com", "127.0.0.1:8000").
ModelListNormalizer::Settings settings_of(const gatehouse::Host& host) {
  ModelListNormalizer::Settings s;
  s.provider = host.option_or("provider", "");
  s.metrics_key = metrics_key_of(host);
  std::string base_url = base_url_of(host);
  std::string_view origin = gatehouse::origin_of(base_url);
  s.offered_by =
      s.provider.empty() ? std::string(origin.substr(origin.find("://") + 3)) : s.provider;
  std::string_view hub_ids = host.option_or("hub_ids", "true");
  if (hub_ids != "true" && hub_ids != "false")
    throw Error(GATEHOUSE_ERR_CONFIG, "option 'hub_ids' must be true or false");
  s.hub_ids = hub_ids == "true";
  return s;
}

class OpenAiCompatiblePlugin {
 public:
  explicit OpenAiCompatiblePlugin(gatehouse::Host host)
      : host_(checked(host)), normalizer_(settings_of(host)) {
    std::string_view path = host_.option_or("path", "/v1/models");
    bool plain = std::none_of(path.begin(), path.end(), [](char c) {
      return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '#';
    });
    if (!path.starts_with('/') || !plain)
      throw Error(GATEHOUSE_ERR_CONFIG,
                  "option 'path' must start with '/' and hold no space, control byte or '#' "
                  "(like \"/v1/models\")");
    url_ = base_url_of(host_) + std::string(path);
    api_key_env_ = host_.option_or("api_key_env", "");
    auth_ = parse_auth_header(host_.option_or("auth_header", "Authorization: Bearer"));
  }

  void fetch(gatehouse::ModelSink& sink) {
    std::vector<gatehouse::HttpHeader> headers{{"Accept", "application/json"}};
    std::optional<std::string> key = gatehouse::secret_from_env(api_key_env_);
    std::string value = key ? auth_.prefix + *key : "";
    if (key) headers.push_back({auth_.name, value});
    size_t models = 0;
    host_.http_get(url_, headers, [&](const gatehouse::HttpResponse& r) {
      if (!r.ok()) throw Error(GATEHOUSE_ERR_UPSTREAM, r.failure());
      models =
          normalizer_.normalize(r.body, url_, [&](const gatehouse::Model& m) { sink.emit(m); });
    });
    host_.info(std::to_string(models) + " models" +
               (!key && !api_key_env_.empty() ? " (no key: " + api_key_env_ + " is not set)" : ""));
  }

  void normalize(std::string_view bytes, gatehouse::ModelSink& sink) {
    normalizer_.normalize(bytes, "the input", [&](const gatehouse::Model& m) { sink.emit(m); });
  }

 private:
  static gatehouse::Host checked(gatehouse::Host host) {
    host.require_known_options(
        {"base_url", "path", "api_key_env", "auth_header", "provider", "metrics_key", "hub_ids"});
    return host;
  }

  gatehouse::Host host_;
  ModelListNormalizer normalizer_;
  std::string url_, api_key_env_;
  AuthHeader auth_;
};

}  // namespace
}  // namespace gatehouse::openai_compatible

GATEHOUSE_PLUGIN(gatehouse::openai_compatible::OpenAiCompatiblePlugin, "openai_compatible", "1.1.0",
                 "Any OpenAI-compatible /v1/models endpoint (or Ollama's /api/tags)")
