#include "http/web_assets.hpp"

#include "http/web_asset_files.hpp"
#include "support/content_hash.hpp"
#include "support/gzip.hpp"

#include <algorithm>

namespace gatehouse {
namespace {

std::string path_of(std::string_view name) {
  if (name == "index.html") return "/";
  if (name == "docs.html") return "/docs";
  if (name == "openapi.json") return "/openapi.json";
  return "/assets/" + std::string(name);
}

std::string_view content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  if (name.ends_with(".json")) return "application/json";
  if (name.ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

// Every "/assets/NAME" the page names becomes "/assets/NAME?v=VERSION".
void version_links(std::string& html, const std::vector<WebAsset>& assets) {
  for (const WebAsset& a : assets) {
    if (a.version.empty()) continue;
    std::string quoted = "\"" + a.path + "\"";
    std::string versioned = "\"" + a.path + "?v=" + a.version + "\"";
    for (size_t at = html.find(quoted); at != std::string::npos;
         at = html.find(quoted, at + versioned.size()))
      html.replace(at, quoted.size(), versioned);
  }
}

void seal(WebAsset& a) {
  std::string hash = ContentHash::to_hex(ContentHash::of(a.body));
  a.etag = "\"" + hash + "\"";
  if (a.path.starts_with("/assets/")) a.version = hash;
  if (a.body.size() >= gzip_min_bytes && !a.content_type.starts_with("application/octet")) {
    a.gzipped = gzip(a.body);
    a.gzip_etag = "\"" + hash + "-gzip\"";
  }
}

}  // namespace

WebAssets::WebAssets() {
  for (const WebAssetFile& file : web_asset_files()) {
    WebAsset a;
    a.path = path_of(file.name);
    a.content_type = content_type_of(file.name);
    a.body = file.bytes;
    a.page = file.name.ends_with(".html");
    assets_.push_back(std::move(a));
  }
  // The scripts and styles first: the pages' links carry their versions.
  std::stable_partition(assets_.begin(), assets_.end(), [](const WebAsset& a) { return !a.page; });
  for (WebAsset& a : assets_) {
    if (a.page) version_links(a.body, assets_);
    seal(a);
  }
}

const WebAssets& WebAssets::get() {
  static const WebAssets assets;
  return assets;
}

const WebAsset* WebAssets::find(std::string_view path) const {
  for (const WebAsset& a : assets_)
    if (a.path == path) return &a;
  return nullptr;
}

}  // namespace gatehouse
