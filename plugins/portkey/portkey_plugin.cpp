// Portkey's model list as a gateway, and, with `patterns`, the legacy `hug` gateway that
// rollback binds back to (Portkey's catalog filtered by name patterns).
#include "portkey_normalizer.hpp"

#include <gatehouse/plugin.hpp>

namespace gatehouse::portkey {
namespace {

class PortkeyPlugin {
 public:
  explicit PortkeyPlugin(gatehouse::Host host)
      : host_(host), normalizer_(gatehouse::split_list(host.option_or("patterns", ""))) {
    host_.require_known_options({"base_url", "api_key_env", "patterns"});
    base_url_ = host_.url_option("base_url", "https://api.portkey.ai");
    api_key_env_ = host_.option_or("api_key_env", "PORTKEY_API_KEY");
  }

  void fetch(gatehouse::ModelSink& sink) {
    // Read now, not at create: a key set or rotated later is picked up by the next fetch.
    std::optional<std::string> key = gatehouse::secret_from_env(api_key_env_);
    if (!key)
      throw gatehouse::Error(GATEHOUSE_ERR_CONFIG,
                             "environment variable " + api_key_env_ +
                                 " is not set; Portkey needs an API key (option api_key_env "
                                 "names the variable)");
    std::string url = base_url_ + "/v1/models";
    gatehouse::HttpHeader headers[] = {{"x-portkey-api-key", *key}, {"Accept", "application/json"}};
    host_.http_get(url, headers, [&](const gatehouse::HttpResponse& r) {
      if (!r.ok()) throw gatehouse::Error(GATEHOUSE_ERR_UPSTREAM, r.failure());
      normalizer_.normalize(r.body, url, [&](const gatehouse::Model& m) { sink.emit(m); });
    });
  }

  void normalize(std::string_view bytes, gatehouse::ModelSink& sink) {
    normalizer_.normalize(bytes, "the input", [&](const gatehouse::Model& m) { sink.emit(m); });
  }

 private:
  gatehouse::Host host_;
  PortkeyNormalizer normalizer_;
  std::string base_url_;
  std::string api_key_env_;
};

}  // namespace
}  // namespace gatehouse::portkey

GATEHOUSE_PLUGIN(gatehouse::portkey::PortkeyPlugin, "portkey", "1.1.0",
                 "Portkey's model list, one model per id with its providers")
