// Where the server listens: "HOST:PORT" or "[IPv6]:PORT".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gatehouse {

struct ListenAddress {
  std::string host;
  uint16_t port = 0;  // 0 picks a free port
};

// Throws std::invalid_argument "<what> must be IP:PORT (...), got '<text>'".
ListenAddress parse_listen_address(std::string_view text, std::string_view what);

}  // namespace gatehouse
