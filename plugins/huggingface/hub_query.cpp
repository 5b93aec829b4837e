#include "hub_query.hpp"

namespace gatehouse::huggingface {

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
      return gatehouse::resolve_link(page_url, url);
    pos = close + 1;
  }
  return "";
}

}  // namespace gatehouse::huggingface
