#include "support/json_writer.hpp"

#include "support/utf8.hpp"

#include <gatehouse/json_writer.hpp>

namespace gatehouse {
void JsonWriter::separate_after_whitespace() {
  size_t at = out_.find_last_not_of(" \n");  // whitespace a caller wrote for the eye
  if (at == std::string::npos) return;
  char last = out_[at];
  if (last != '{' && last != '[' && last != ':' && last != ',') out_.push_back(',');
}

JsonWriter& JsonWriter::checked_key(std::string_view name) {
  string(name);
  out_.push_back(':');
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view text) {
  if (!is_valid_utf8(text)) throw InvalidUtf8("not valid UTF-8");
  separate();
  json::append_string(out_, text);
  return *this;
}

JsonWriter& JsonWriter::string_or_null(std::string_view text) {
  return text.data() ? string(text) : null();
}

JsonWriter& JsonWriter::integer(int64_t value) {
  separate();
  json::append_int(out_, value);
  return *this;
}

JsonWriter& JsonWriter::integer_or_null(std::optional<int64_t> value) {
  return value ? integer(*value) : null();
}

JsonWriter& JsonWriter::boolean(bool value) {
  separate();
  out_.append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_.append(json);
  return *this;
}

}  // namespace gatehouse
