// The small, careful JSON writer: strings escaped, UTF-8 checked, nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse {

bool is_valid_utf8(std::string_view text);

// Appends text as a quoted JSON string. Returns false, appending nothing, when text is
// not valid UTF-8: a response must never carry bytes a client cannot decode.
bool append_json_string(std::string& out, std::string_view text);

void append_json_int(std::string& out, int64_t value);

}  // namespace gatehouse
