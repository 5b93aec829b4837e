#include "json_text.hpp"

#include <simdjson.h>

#include <charconv>

namespace gatehouse {

bool is_valid_utf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

bool append_json_string(std::string& out, std::string_view text) {
  if (!is_valid_utf8(text)) return false;
  static constexpr char hex[] = "0123456789abcdef";
  out.reserve(out.size() + text.size() + 2);
  out.push_back('"');
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && c != '"' && c != '\\') {
      out.push_back(c);
      continue;
    }
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\n': out.push_back('n'); break;
      case '\r': out.push_back('r'); break;
      case '\t': out.push_back('t'); break;
      case '\b': out.push_back('b'); break;
      case '\f': out.push_back('f'); break;
      default:
        out.append("u00");
        out.push_back(hex[u >> 4]);
        out.push_back(hex[u & 0xf]);
    }
  }
  out.push_back('"');
  return true;
}

void append_json_int(std::string& out, int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

}  // namespace gatehouse
