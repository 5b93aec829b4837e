// The Hugging Face Hub as a gateway: walks GET {base_url}/api/models by its Link cursor,
// once per sort, merges the walks by id, and adds the essential models the lists lack. The
// Inference Providers router's list (GET {router_url}/v1/models) adds who serves each model,
// at what price; without it the Hub's models still come, without offers.
#include "hub_normalizer.hpp"
#include "hub_query.hpp"
#include "router_catalog.hpp"

#include <gatehouse/plugin.hpp>

#include <charconv>
#include <optional>
#include <unordered_set>

namespace gatehouse::huggingface {
namespace {

size_t positive(const gatehouse::Host& host, std::string_view key, std::string_view fallback,
                size_t max) {
  std::string_view text = host.option_or(key, fallback);
  size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > max)
    throw gatehouse::Error(GATEHOUSE_ERR_CONFIG, "option '" + std::string(key) +
                                                     "' must be a whole number from 1 to " +
                                                     std::to_string(max));
  return value;
}

class HuggingFacePlugin {
 public:
  explicit HuggingFacePlugin(gatehouse::Host host)
      : host_(checked(host)),
        base_url_(host.url_option("base_url", "https://huggingface.co")),
        router_url_(router_url_of(host)),
        normalizer_(base_url_) {
    sorts_ = gatehouse::split_list(host_.option_or("sorts", "likes,downloads"));
    if (sorts_.empty())
      throw gatehouse::Error(GATEHOUSE_ERR_CONFIG, "option 'sorts' names no sort");
    page_size_ = positive(host_, "page_size", "1000", 10000);
    max_models_ = positive(host_, "max_models", "5000", 1000000);
    max_pages_ = positive(host_, "max_pages", "1000", 1000000);
    essential_ =
        gatehouse::split_list(host_.option_or("essential_models", "katanemo/Arch-Router-1.5B"));
    std::string_view mode = host_.option_or("mode", "expand");
    if (mode != "expand" && mode != "full")
      throw gatehouse::Error(GATEHOUSE_ERR_CONFIG, "option 'mode' must be expand or full");
    full_ = mode == "full";
    std::string token_env(host_.option_or("token_env", "HUG_API_KEY"));
    std::optional<std::string> token = gatehouse::secret_from_env(token_env);
    if (!token) token = gatehouse::secret_from_env("HF_TOKEN");
    if (token) authorization_ = "Bearer " + *token;
    for (std::string_view key :
         {"inference_provider", "pipeline_tag", "search", "author", "filter"}) {
      std::string_view fallback = key == "inference_provider" ? "hf-inference" : "";
      std::string_view value = host_.option_or(key, fallback);
      if (!value.empty()) filters_.emplace_back(key, value);
    }
  }

  void fetch(gatehouse::ModelSink& sink) {
    std::unordered_set<std::string> seen;
    router_.reset();  // asked afresh each fetch, at its first page
    for (const std::string& sort : sorts_) walk(sort, seen, sink);
    for (const std::string& id : essential_)
      if (!seen.count(gatehouse::ascii_lower(id))) fetch_essential(id, seen, sink);
    router_.reset();
  }

  void normalize(std::string_view bytes, gatehouse::ModelSink& sink) {
    normalizer_.normalize(bytes, "the input", [&](const gatehouse::Model& m) { sink.emit(m); });
  }

 private:
  // A typo in an option name is the first thing to report.
  static gatehouse::Host checked(gatehouse::Host host) {
    host.require_known_options({"base_url", "router_url", "inference_provider", "pipeline_tag",
                                "search", "author", "filter", "sorts", "page_size", "max_models",
                                "max_pages", "token_env", "essential_models", "mode"});
    return host;
  }

  // "" turns the router off; anything else must be an http(s) URL like base_url.
  static std::string router_url_of(const gatehouse::Host& host) {
    std::optional<std::string_view> set = host.option("router_url");
    if (set && set->empty()) return "";
    return host.url_option("router_url", "https://router.huggingface.co");
  }

  std::vector<std::pair<std::string, std::string>> fields() const {
    std::vector<std::pair<std::string, std::string>> params;
    if (full_) {
      params.emplace_back("full", "true");
    } else {
      for (std::string_view field : expanded_fields) params.emplace_back("expand", field);
    }
    return params;
  }

  std::vector<gatehouse::HttpHeader> headers() const {
    std::vector<gatehouse::HttpHeader> h{{"Accept", "application/json"}};
    if (!authorization_.empty()) h.push_back({"Authorization", authorization_});
    return h;
  }

  // One sort's walk: page after page by the Link cursor (the Hub ignores offsets). An
  // upstream may send a walk in circles: it ends at a cursor already followed, at a page
  // without models, and after max_pages pages.
  void walk(const std::string& sort, std::unordered_set<std::string>& seen,
            gatehouse::ModelSink& sink) {
    auto params = filters_;
    params.emplace_back("sort", sort);
    params.emplace_back("direction", "-1");
    params.emplace_back("limit", std::to_string(page_size_));
    for (auto& f : fields()) params.push_back(std::move(f));
    std::string url = make_url(base_url_, "/api/models", params), stopped;
    std::unordered_set<std::string> followed;
    size_t walked = 0, pages = 0;
    while (!url.empty() && walked < max_models_) {
      if (pages == max_pages_) stopped = "max_pages = " + std::to_string(max_pages_) + " reached";
      if (!followed.insert(url).second) stopped = "the next page is one it had already read";
      if (!stopped.empty()) break;
      auto [next, models] = read_page(url, walked, seen, sink);
      ++pages;
      if (models == 0 && !next.empty()) stopped = "a page without models";
      if (models == 0) break;
      url = std::move(next);
    }
    std::string summary = "sort=" + sort + ": " + std::to_string(walked) + " models in " +
                          std::to_string(pages) + " page(s)";
    stopped.empty() ? host_.info(summary) : host_.warn(summary + "; stopped: " + stopped);
  }

  // One list page: its models go to the sink (each id once, at most max_models per walk).
  // Returns the next page's URL ("" at the end) and how many models the page held. The
  // fetch's first page answers before the router is asked (router_catalog() says why), so
  // that one page is kept a moment; the others are read in place.
  std::pair<std::string, size_t> read_page(const std::string& url, size_t& walked,
                                           std::unordered_set<std::string>& seen,
                                           gatehouse::ModelSink& sink) {
    auto normalize = [&](std::string_view body) {
      return normalizer_.normalize_page(
          body, url,
          [&](const gatehouse::Model& m) {
            if (walked >= max_models_) return;
            ++walked;
            if (seen.insert(gatehouse::ascii_lower(m.id)).second) sink.emit(m);
          },
          router_catalog());
    };
    bool router_pending = !router_url_.empty() && !router_;
    std::string first_page, next;
    size_t models = 0;
    host_.http_get(url, headers(), [&](const gatehouse::HttpResponse& r) {
      if (!r.ok()) throw gatehouse::Error(GATEHOUSE_ERR_UPSTREAM, r.failure());
      next = next_link(r.header("Link").value_or(""), r.url);
      if (router_pending)
        first_page = r.body;
      else
        models = normalize(r.body);
    });
    if (router_pending) models = normalize(first_page);
    return {next, models};
  }

  // Who serves which model, asked once per fetch; nullptr when router_url is "". It is
  // asked after the fetch's first Hub page has answered: the host sends the plugin's
  // headers (the token) only to the origin of a fetch's first request, and the Hub's
  // requests need it most (private and gated models, rate limits). The router's list is
  // public: on the Hub's origin it gets the token too, elsewhere it is asked without.
  const RouterCatalog* router_catalog() {
    if (router_url_.empty()) return nullptr;
    if (!router_) router_ = read_router();
    return &*router_;
  }

  // A router that fails (no answer, not 2xx, bytes that are not its list) costs the models
  // their offers, not the fetch: it is a warning, and the catalog is empty.
  RouterCatalog read_router() {
    std::string url = router_url_ + "/v1/models";
    try {
      RouterCatalog catalog;
      bool same_origin = gatehouse::origin_of(router_url_) == gatehouse::origin_of(base_url_);
      std::vector<gatehouse::HttpHeader> public_headers{{"Accept", "application/json"}};
      host_.http_get(url, same_origin ? headers() : public_headers,
                     [&](const gatehouse::HttpResponse& r) {
                       if (!r.ok()) throw gatehouse::Error(GATEHOUSE_ERR_UPSTREAM, r.failure());
                       catalog = router_reader_.read(r.body, url);
                     });
      std::string summary = "router: " + std::to_string(catalog.models.size()) + " models served";
      if (catalog.left_out == 0)
        host_.info(summary);
      else
        host_.warn(summary + "; " + std::to_string(catalog.left_out) +
                   " entries left out (no usable id or provider name, repeated, or past a cap)");
      return catalog;
    } catch (const gatehouse::Error& e) {
      if (e.status() == GATEHOUSE_ERR_STOPPED) throw;
      host_.warn("router: " + std::string(e.what()) + "; the models go without offers");
      return {};
    }
  }

  // An essential model the lists lacked, by its own URL. Its absence is logged, not fatal.
  void fetch_essential(const std::string& id, std::unordered_set<std::string>& seen,
                       gatehouse::ModelSink& sink) {
    std::string path = "/api/models/";
    for (std::string_view part : split_by_slash(id)) path += percent_encode(part) + "/";
    path.pop_back();
    std::string url = make_url(base_url_, path, fields());
    const RouterCatalog* router = router_catalog();
    try {
      host_.http_get(url, headers(), [&](const gatehouse::HttpResponse& r) {
        if (!r.ok()) throw gatehouse::Error(GATEHOUSE_ERR_UPSTREAM, r.failure());
        normalizer_.normalize(
            r.body, url,
            [&](const gatehouse::Model& m) {
              if (seen.insert(gatehouse::ascii_lower(m.id)).second) sink.emit(m);
            },
            router);
      });
    } catch (const gatehouse::Error& e) {
      if (e.status() == GATEHOUSE_ERR_STOPPED) throw;
      host_.warn("essential model " + id + " left out: " + e.what());
    }
  }

  static std::vector<std::string_view> split_by_slash(std::string_view id) {
    std::vector<std::string_view> parts;
    while (!id.empty()) {
      std::string_view part = id.substr(0, id.find('/'));
      parts.push_back(part);
      id.remove_prefix(std::min(id.size(), part.size() + 1));
    }
    return parts;
  }

  gatehouse::Host host_;
  std::string base_url_, router_url_;  // router_url_ "" = no router
  HubNormalizer normalizer_;
  RouterCatalogReader router_reader_;
  std::optional<RouterCatalog> router_;  // this fetch's, once asked
  std::vector<std::string> sorts_, essential_;
  std::vector<std::pair<std::string, std::string>> filters_;
  size_t page_size_ = 1000, max_models_ = 5000, max_pages_ = 1000;
  bool full_ = false;
  std::string authorization_;  // never logged
};

}  // namespace
}  // namespace gatehouse::huggingface

GATEHOUSE_PLUGIN(gatehouse::huggingface::HuggingFacePlugin, "huggingface", "1.1.0",
                 "Hugging Face Hub models, walked by cursor across sorts, with the Inference "
                 "Providers router's offers")
