// OpenRouter as a gateway: GET {base_url}/api/v1/models, following links.next when an
// answer has one, every entry one model with its prices in USD per token.
#include "openrouter_normalizer.hpp"

#include <gatehouse/plugin.hpp>
#include <gatehouse/url.hpp>

#include <charconv>
#include <unordered_set>

namespace gatehouse::openrouter {
namespace {

constexpr size_t max_link_bytes = 8192;

class OpenRouterPlugin {
 public:
  explicit OpenRouterPlugin(gatehouse::Host host)
      : host_(checked(host)),
        base_url_(host.url_option("base_url", "https://openrouter.ai")),
        api_key_env_(host.option_or("api_key_env", "OPENROUTER_API_KEY")),
        normalizer_(base_url_) {
    std::string_view modalities = host_.option_or("output_modalities", "");
    for (char c : modalities)
      if (!((c >= 'a' && c <= 'z') || c == ','))
        throw gatehouse::Error(GATEHOUSE_ERR_CONFIG,
                               "option 'output_modalities' must be modality names (like text, "
                               "image, all), comma-separated");
    url_ = base_url_ + "/api/v1/models";
    if (!modalities.empty()) url_ += "?output_modalities=" + std::string(modalities);
    std::string_view pages = host_.option_or("max_pages", "100");
    auto [end, ec] = std::from_chars(pages.data(), pages.data() + pages.size(), max_pages_);
    if (ec != std::errc() || end != pages.data() + pages.size() || max_pages_ == 0 ||
        max_pages_ > 100000)
      throw gatehouse::Error(GATEHOUSE_ERR_CONFIG,
                             "option 'max_pages' must be a whole number from 1 to 100000");
  }

  void fetch(gatehouse::ModelSink& sink) {
    std::unordered_set<std::string> followed, seen;
    std::string url = url_, stopped;
    size_t pages = 0;
    while (!url.empty()) {
      if (pages == max_pages_) stopped = "max_pages = " + std::to_string(max_pages_) + " reached";
      if (!followed.insert(url).second) stopped = "the next page is one it had already read";
      if (!stopped.empty()) break;
      url = read_page(url, seen, sink);
      ++pages;
    }
    std::string summary =
        std::to_string(seen.size()) + " models in " + std::to_string(pages) + " page(s)";
    stopped.empty() ? host_.info(summary) : host_.warn(summary + "; stopped: " + stopped);
  }

  void normalize(std::string_view bytes, gatehouse::ModelSink& sink) {
    normalizer_.normalize(bytes, "the input", [&](const gatehouse::Model& m) { sink.emit(m); });
  }

 private:
  static gatehouse::Host checked(gatehouse::Host host) {
    host.require_known_options({"base_url", "api_key_env", "output_modalities", "max_pages"});
    return host;
  }

  // One page: its models go to the sink, each id once. Returns the next page's URL, or "".
  std::string read_page(const std::string& url, std::unordered_set<std::string>& seen,
                        gatehouse::ModelSink& sink) {
    std::optional<std::string> key = gatehouse::secret_from_env(api_key_env_);
    std::string authorization = key ? "Bearer " + *key : "";
    std::vector<gatehouse::HttpHeader> headers{{"Accept", "application/json"}};
    if (key) headers.push_back({"Authorization", authorization});
    std::string next;
    host_.http_get(url, headers, [&](const gatehouse::HttpResponse& r) {
      if (!r.ok()) throw gatehouse::Error(GATEHOUSE_ERR_UPSTREAM, r.failure());
      auto page = normalizer_.normalize(r.body, url, [&](const gatehouse::Model& m) {
        if (seen.insert(gatehouse::ascii_lower(m.id)).second) sink.emit(m);  // as the host keys
      });
      if (page.next.empty()) return;
      next = page.next.size() <= max_link_bytes ? gatehouse::resolve_link(r.url, page.next) : "";
      if (next.empty())
        host_.warn("links.next of " + std::to_string(page.next.size()) + " bytes not followed: '" +
                   gatehouse::one_line_prefix(page.next, 200) + "'");
    });
    return next;
  }

  gatehouse::Host host_;
  std::string base_url_, api_key_env_, url_;
  OpenRouterNormalizer normalizer_;
  size_t max_pages_ = 100;
};

}  // namespace
}  // namespace gatehouse::openrouter

GATEHOUSE_PLUGIN(gatehouse::openrouter::OpenRouterPlugin, "openrouter", "1.1.0",
                 "OpenRouter's models, with prices in USD per token")
