// What the user asked for on the command line.
#pragma once

#include "app/check_plugin.hpp"

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace gatehouse {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ServeCommand {
  std::filesystem::path config = "config.toml";
  std::optional<std::string> listen;  // overrides [server] listen
};
struct CheckConfigCommand {
  std::filesystem::path config = "config.toml";
};
struct HelpCommand {};
struct VersionCommand {};

using Command =
    std::variant<ServeCommand, CheckConfigCommand, CheckPluginRequest, HelpCommand, VersionCommand>;

// Throws UsageError naming the argument at fault.
Command parse_command_line(const std::vector<std::string>& args);

extern const char* const usage_text;

}  // namespace gatehouse
