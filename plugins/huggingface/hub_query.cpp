#include "hub_query.hpp"

namespace gatehouse::huggingface {

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
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

std::string make_url(std::string_view base, std::string_view path,
                     const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url(base);
  url.append(path);
  for (size_t i = 0; i < params.size(); ++i) {
    url.push_back(i ? '&' : '?');
    url.append(percent_encode(params[i].first));
    url.push_back('=');
    url.append(percent_encode(params[i].second));
  }
  return url;
}

// RFC 8288: Link: <url>; rel="next", <url2>; rel="prev"
namespace {

// "https://host:port/path" -> "https://host:port"
std::string_view origin_of(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  return url.substr(0, url.find('/', scheme + 3));
}

std::string resolve(std::string_view link, std::string_view page_url) {
  if (link.find("://") != std::string_view::npos) return std::string(link);
  if (link.starts_with("/")) return std::string(origin_of(page_url)) + std::string(link);
  return "";  // a relative path the Hub never sends: stop rather than guess
}

}  // namespace

std::string next_link(std::string_view header, std::string_view page_url) {
  size_t pos = 0;
  while ((pos = header.find('<', pos)) != std::string_view::npos) {
    size_t close = header.find('>', pos);
    if (close == std::string_view::npos) break;
    std::string_view url = header.substr(pos + 1, close - pos - 1);
    size_t end = header.find('<', close);
    std::string_view params = header.substr(
        close + 1, end == std::string_view::npos ? std::string_view::npos : end - close - 1);
    if (params.find("rel=\"next\"") != std::string_view::npos ||
        params.find("rel=next") != std::string_view::npos)
      return resolve(url, page_url);
    pos = close + 1;
  }
  return "";
}

}  // namespace gatehouse::huggingface
