// What a request was for, as /metrics counts it.
#pragma once

#include <cstddef>
#include <string_view>

namespace gatehouse {

enum class Route { models, model, gateways, healthz, metrics, admin, web, unknown };
inline constexpr size_t route_count = 8;
std::string_view route_name(Route route);

}  // namespace gatehouse
