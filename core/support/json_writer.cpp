#include "json_text.hpp"

#include <simdjson.h>
#include <gatehouse/json_writer.hpp>

namespace gatehouse {

bool is_valid_utf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

bool append_json_string(std::string& out, std::string_view text) {
  if (!is_valid_utf8(text)) return false;
  json::append_string(out, text);
  return true;
}

void append_json_int(std::string& out, int64_t value) { json::append_int(out, value); }

}  // namespace gatehouse
