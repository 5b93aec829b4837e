#include "support/log.hpp"

#include "support/utf8.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace gatehouse {
namespace {

std::atomic<LogLevel> min_level{LogLevel::info};

constexpr std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "?";
}

std::string utc_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

}  // namespace

void set_log_level(LogLevel level) { min_level.store(level, std::memory_order_relaxed); }

bool parse_log_level(std::string_view text, LogLevel& level) {
  for (auto l : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (text == level_name(l)) {
      level = l;
      return true;
    }
  }
  return false;
}

void log(LogLevel level, std::string_view message) {
  if (level < min_level.load(std::memory_order_relaxed)) return;
  std::string line = utc_timestamp();
  // Messages carry what upstreams and plugins said: never let it forge lines or steer a
  // terminal.
  line.append(" ").append(level_name(level)).append(" ").append(printable(message)).append("\n");
  // One write per line keeps lines from different threads whole.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace gatehouse
