// What gateway names, aliases and plugin names may be: they appear in URLs, file names and
// log lines, so nothing there needs quoting or escaping.
#pragma once

#include <string_view>

namespace gatehouse {

// 1-64 of a-z 0-9 - _.
constexpr bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace gatehouse
