// UTF-8: checked, repaired, and made fit for a log line.
#pragma once

#include <string>
#include <string_view>

namespace gatehouse {

bool is_valid_utf8(std::string_view text);

// Text from outside (an upstream's error body, a plugin's message) made safe to show:
// every byte that is not part of valid UTF-8 becomes U+FFFD.
std::string to_valid_utf8(std::string_view text);

// The same, also fit for one line of a log a terminal shows: control characters (ESC and
// the C1 CSI begin terminal escape sequences; a newline would forge a line of its own)
// and the backslash become \xNN.
std::string printable(std::string_view text);

}  // namespace gatehouse
