#include "http/listen_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace gatehouse {

ListenAddress parse_listen_address(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return std::invalid_argument(std::string(what) +
                                 " must be IP:PORT (e.g. 127.0.0.1:8000 or [::1]:8000), got '" +
                                 std::string(text.substr(0, 200)) + "'");
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) throw bad();
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') throw bad();
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    throw bad();  // a bare IPv6 address needs brackets
  }
  // The server listens on an address, never a name: a name would be resolved (and could
  // fail) only at bind time, far from the config line that holds it.
  std::string literal(host.substr(0, host.find('%')));  // fe80::1%eth0: the zone aside
  unsigned char parsed[16];
  bool v6 = literal.find(':') != std::string::npos;
  if (host.find('\0') != std::string::npos || (!v6 && literal.size() != host.size()) ||
      inet_pton(v6 ? AF_INET6 : AF_INET, literal.c_str(), parsed) != 1)
    throw bad();
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    throw bad();
  return {std::string(host), static_cast<uint16_t>(value)};
}

}  // namespace gatehouse
