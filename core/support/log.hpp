// One log line per call, to stderr, safe from any thread; control bytes and invalid UTF-8
// in the message are written so that they cannot forge a line or steer a terminal.
#pragma once

#include <string_view>

namespace gatehouse {

enum class LogLevel { debug, info, warn, error };

void log(LogLevel level, std::string_view message);

// Lines below this level are dropped; GATEHOUSE_LOG_LEVEL=debug|info|warn|error sets it.
void set_log_level(LogLevel level);
bool parse_log_level(std::string_view text, LogLevel& level);

inline void log_info(std::string_view message) { log(LogLevel::info, message); }
inline void log_warn(std::string_view message) { log(LogLevel::warn, message); }
inline void log_error(std::string_view message) { log(LogLevel::error, message); }

}  // namespace gatehouse
