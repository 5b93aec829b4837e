#include "http/route.hpp"

#include <array>

namespace gatehouse {

std::string_view route_name(Route route) {
  constexpr std::array<std::string_view, route_count> names = {
      "models", "model", "gateways", "healthz", "metrics", "admin", "web", "unknown"};
  return names[static_cast<size_t>(route)];
}

}  // namespace gatehouse
