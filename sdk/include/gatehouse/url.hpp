// URL pieces plugins build and follow (header-only, C++ standard library only).
#ifndef GATEHOUSE_URL_HPP
#define GATEHOUSE_URL_HPP

#include <string>
#include <string_view>

namespace gatehouse {

// Percent-encodes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~) and
// `keep` (e.g. "/:" for an id used as a path): a value cannot bend the URL it goes into.
inline std::string percent_encode(std::string_view text, std::string_view keep = {}) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' ||
                      keep.find(c) != std::string_view::npos;
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0xf]);
    }
  }
  return out;
}

// "https://host:port" of "https://host:port/path?query".
inline std::string_view origin_of(std::string_view url) {
  size_t scheme = url.find("://");
  size_t path = url.find_first_of("/?#", scheme == std::string_view::npos ? 0 : scheme + 3);
  return url.substr(0, path);
}

// A next-page link against the URL of the page that sent it: an absolute http(s) URL,
// "/path?query" or "?query". "" for any other form: stop rather than guess.
inline std::string resolve_link(std::string_view page_url, std::string_view link) {
  if (link.starts_with("https://") || link.starts_with("http://")) return std::string(link);
  if (link.starts_with('/') && !link.starts_with("//"))
    return std::string(origin_of(page_url)) + std::string(link);
  if (link.starts_with('?'))
    return std::string(page_url.substr(0, page_url.find('?'))) + std::string(link);
  return {};
}

}  // namespace gatehouse

#endif  // GATEHOUSE_URL_HPP
