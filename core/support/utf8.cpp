#include "support/utf8.hpp"

#include <simdjson.h>

#include <cstdint>
#include <cstring>

namespace gatehouse {
namespace {

// The length of the valid UTF-8 sequence starting text[at], or 0 when there is none.
size_t utf8_sequence_at(std::string_view text, size_t at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  size_t length = lead < 0x80           ? 1
                  : (lead >> 5) == 0x6  ? 2
                  : (lead >> 4) == 0xe  ? 3
                  : (lead >> 3) == 0x1e ? 4
                                        : 0;
  if (length == 0 || at + length > text.size()) return 0;
  return simdjson::validate_utf8(text.data() + at, length) ? length : 0;
}

// Most text (every key, most ids and names) is ASCII: eight bytes at a time, no call.
bool is_ascii(std::string_view text) {
  constexpr uint64_t high_bits = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if (word & high_bits) return false;
  }
  for (; i < text.size(); ++i)
    if (static_cast<unsigned char>(text[i]) >= 0x80) return false;
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  return is_ascii(text) || simdjson::validate_utf8(text.data(), text.size());
}

std::string to_valid_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  for (size_t at = 0; at < text.size();) {
    size_t length = utf8_sequence_at(text, at);
    if (length == 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
      ++at;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

std::string printable(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string valid = to_valid_utf8(text), out;
  out.reserve(valid.size());
  auto escape = [&](unsigned char u) {
    out.append("\\x");
    out.push_back(hex[u >> 4]);
    out.push_back(hex[u & 0xf]);
  };
  for (size_t i = 0; i < valid.size(); ++i) {
    auto u = static_cast<unsigned char>(valid[i]);
    bool c1 = u == 0xC2 && i + 1 < valid.size() &&  // U+0080..U+009F: CSI, NEL and kin
              static_cast<unsigned char>(valid[i + 1]) < 0xA0;
    if (u < 0x20 || u == 0x7f || u == '\\') {
      escape(u);  // a backslash too, so that "\x0a" in the text cannot pass for a newline
    } else if (c1) {
      escape(static_cast<unsigned char>(valid[++i]));
    } else {
      out.push_back(valid[i]);
    }
  }
  return out;
}

}  // namespace gatehouse
