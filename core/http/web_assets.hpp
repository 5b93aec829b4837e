// The web assets as served: each compiled-in file under its path, with its media type, its
// gzip made once at first use (the bytes never change while the process runs) and a strong
// ETag for each of the two bodies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

struct WebAsset {
  std::string path;  // "/", "/docs", "/openapi.json", "/assets/app.js", ...
  std::string_view content_type;
  std::string body;
  std::string gzipped;  // empty when gzip does not pay (a small or binary file)
  std::string etag;     // "\"<xxh3 hex>\"": strong, a byte-for-byte identity
  // The gzipped body's: "\"<xxh3 hex>-gzip\"". A strong ETag names one representation's
  // bytes (RFC 9110 8.8.3), so a cache holding both bodies can tell them apart.
  std::string gzip_etag;
  // The pages name each script and style as /assets/NAME?v=VERSION, VERSION its ETag's
  // hash: a URL whose content never changes, so it may be cached for good.
  std::string version;
  bool page = false;  // an HTML page (it gets the Content-Security-Policy)
};

class WebAssets {
 public:
  static const WebAssets& get();
  const WebAsset* find(std::string_view path) const;
  const std::vector<WebAsset>& all() const { return assets_; }

 private:
  WebAssets();
  std::vector<WebAsset> assets_;
};

}  // namespace gatehouse
