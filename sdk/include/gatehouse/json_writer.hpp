// A small JSON writer for plugins, header-only: enough to build a *_metrics object.
// Strings must be UTF-8 (the host checks the finished object and drops a model whose
// metrics are not a valid JSON object).
#ifndef GATEHOUSE_JSON_WRITER_HPP
#define GATEHOUSE_JSON_WRITER_HPP

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gatehouse::json {

namespace detail {
// True when any of the 8 bytes is below 0x20, '"' or '\\' (bit tricks: "hasless" and
// "haszero"; exact about whether such a byte exists).
inline bool word_needs_escape(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
  return (((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
          ((backslash - ones) & ~backslash)) &
         highs;
}
}  // namespace detail

// Appends text as a quoted JSON string, escaping quotes, backslashes and control bytes.
// Most text needs no escape: it is checked 8 bytes at a time and copied in whole runs.
inline void append_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  size_t clean = 0;  // start of the run not yet copied
  for (size_t i = 0; i < text.size(); ++i) {
    if (i + 8 <= text.size()) {
      uint64_t word;
      std::memcpy(&word, text.data() + i, 8);
      if (!detail::word_needs_escape(word)) {
        i += 7;
        continue;
      }
    }
    auto u = static_cast<unsigned char>(text[i]);
    if (u >= 0x20 && u != '"' && u != '\\') continue;
    out.append(text.data() + clean, i - clean);
    clean = i + 1;
    out.push_back('\\');
    switch (u) {
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
  out.append(text.data() + clean, text.size() - clean);
  out.push_back('"');
}

inline void append_int(std::string& out, int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

// Builds one object: {"key": value, ...}. Reuse it with reset() to avoid allocations.
class ObjectWriter {
 public:
  void reset() {
    out_.clear();  // not out_ = "{": GCC 12 -O3 misreads that as an overlapping copy
    out_.push_back('{');
  }
  const std::string& finish() {
    out_.push_back('}');
    return out_;
  }

  ObjectWriter& string(std::string_view key, std::string_view value) {
    this->key(key);
    append_string(out_, value);
    return *this;
  }
  // A default-constructed (null data) view is written as null.
  ObjectWriter& string_or_null(std::string_view key, std::string_view value) {
    return value.data() ? string(key, value) : null(key);
  }
  ObjectWriter& integer(std::string_view key, std::optional<int64_t> value) {
    if (!value) return null(key);
    this->key(key);
    append_int(out_, *value);
    return *this;
  }
  ObjectWriter& boolean(std::string_view key, bool value) {
    this->key(key);
    out_.append(value ? "true" : "false");
    return *this;
  }
  ObjectWriter& null(std::string_view key) {
    this->key(key);
    out_.append("null");
    return *this;
  }
  ObjectWriter& strings(std::string_view key, std::span<const std::string_view> values) {
    this->key(key);
    out_.push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) out_.push_back(',');
      append_string(out_, values[i]);
    }
    out_.push_back(']');
    return *this;
  }
  // Appends already-valid JSON as the value.
  ObjectWriter& raw(std::string_view key, std::string_view json) {
    this->key(key);
    out_.append(json);
    return *this;
  }

 private:
  void key(std::string_view key) {
    if (out_.size() > 1) out_.push_back(',');
    append_string(out_, key);
    out_.push_back(':');
  }

  std::string out_ = "{";
};

}  // namespace gatehouse::json

#endif  // GATEHOUSE_JSON_WRITER_HPP
