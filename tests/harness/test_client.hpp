// A small blocking HTTP/1.1 client for tests, on Beast (kept in this one test file).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse::test {

struct HttpResult {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // as sent (still gzipped if it was)

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResult http_request(uint16_t port, const std::string& method, const std::string& target,
                        const Headers& headers = {}, const std::string& body = "");

inline HttpResult http_get(uint16_t port, const std::string& target, const Headers& headers = {}) {
  return http_request(port, "GET", target, headers);
}

std::string gunzip(std::string_view data);

}  // namespace gatehouse::test
