// The web routes: the catalog page (/), the API reference (/docs), the OpenAPI document
// and the page's scripts and styles, all compiled in.
#include "http/api.hpp"
#include "http/web_assets.hpp"

#include <algorithm>

namespace gatehouse {
namespace {

// The pages load only what this server serves: no CDN, no inline script, no framing.
constexpr std::string_view page_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

bool asks_for_version(const QueryParams& params, const WebAsset& asset) {
  return !asset.version.empty() && std::any_of(params.begin(), params.end(), [&](const auto& p) {
    return p.first == "v" && p.second == asset.version;
  });
}

}  // namespace

ApiResponse Api::web(const RouteCall& call) const {
  const WebAsset* asset = WebAssets::get().find(call.path);
  if (!asset) throw NotFound("no asset '" + call.path.substr(0, 200) + "'");
  ApiResponse r;
  r.route = Route::web;
  r.content_type = asset->content_type;
  // The body this client gets, and so the ETag it revalidates with.
  bool gzipped = call.request.accepts_gzip && !asset->gzipped.empty();
  const std::string& etag = gzipped ? asset->gzip_etag : asset->etag;
  r.headers = {
      {"ETag", etag},
      {"Vary", "Accept-Encoding"},
      {"X-Content-Type-Options", "nosniff"},
      // A versioned URL never changes; anything else is checked with its ETag.
      {"Cache-Control",
       asks_for_version(call.params, *asset) ? "public, max-age=31536000, immutable" : "no-cache"}};
  if (asset->page) {
    r.headers.emplace_back("Content-Security-Policy", page_policy);
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  if (etag_matches(call.request.if_none_match, etag)) {
    r.status = 304;
    return r;
  }
  r.body = gzipped ? asset->gzipped : asset->body;
  if (gzipped) r.headers.emplace_back("Content-Encoding", "gzip");
  return r;
}

}  // namespace gatehouse
