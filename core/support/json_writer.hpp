// The host's one JSON writer: every response, snapshot and record is written with it, so
// escaping, commas and UTF-8 are decided in one place. Strings are escaped by the SDK's
// writer (the same code plugins use) and checked to be UTF-8 first: a response must never
// carry bytes a client cannot decode.
#pragma once

#include "support/utf8.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gatehouse {

// A string that is not UTF-8 was handed to the writer.
class InvalidUtf8 : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Appends to `out`. Commas are placed by looking at what `out` ends with (whitespace
// aside), so a writer can continue JSON another writer or a ready fragment began, e.g. the
// rest of an object after its prepared first member.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  // The small steps are inline: a record is rendered of dozens of them at ingest.
  JsonWriter& begin_object() {
    separate();
    out_.push_back('{');
    return *this;
  }
  JsonWriter& end_object() {
    out_.push_back('}');
    return *this;
  }
  JsonWriter& begin_array() {
    separate();
    out_.push_back('[');
    return *this;
  }
  JsonWriter& end_array() {
    out_.push_back(']');
    return *this;
  }
  // Then exactly one value. Keys are nearly always short ASCII names of ours: copied as
  // they are; anything else goes through string()'s checks.
  JsonWriter& key(std::string_view name) {
    for (char c : name)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80 ||
          c == '"' || c == '\\')
        return checked_key(name);
    separate();
    out_.push_back('"');
    out_.append(name);
    out_.append("\":");
    return *this;
  }

  JsonWriter& string(std::string_view text);  // throws InvalidUtf8
  // A view whose data() is null (the SDK's "absent") is written as null.
  JsonWriter& string_or_null(std::string_view text);
  JsonWriter& integer(int64_t value);
  JsonWriter& integer_or_null(std::optional<int64_t> value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // A complete JSON value the caller vouches for (a model's rendered JSON, say).
  JsonWriter& raw(std::string_view json);

 private:
  // A comma unless this is the first thing in an object or array, or after a key.
  void separate() {
    if (out_.empty()) return;
    char last = out_.back();
    if (last == ' ' || last == '\n') return separate_after_whitespace();
    if (last != '{' && last != '[' && last != ':' && last != ',') out_.push_back(',');
  }
  void separate_after_whitespace();
  JsonWriter& checked_key(std::string_view name);

  std::string& out_;
};

}  // namespace gatehouse
