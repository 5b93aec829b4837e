#include "plugin_host/plugin_options.hpp"

#include <cstdlib>

namespace gatehouse {
namespace {

[[noreturn]] void refuse(std::string_view what, std::string_view got) {
  throw OptionError(std::string(what) +
                    " must be a string, an integer, a boolean or an array of strings without "
                    "',', got " +
                    std::string(got));
}

}  // namespace

std::string option_text(const OptionValue& value, std::string_view what) {
  if (auto* text = std::get_if<std::string>(&value)) return *text;
  if (auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (auto* boolean = std::get_if<bool>(&value)) return *boolean ? "true" : "false";
  if (auto* unsupported = std::get_if<UnsupportedOption>(&value)) refuse(what, unsupported->type);
  const auto& items = std::get<std::vector<std::string>>(value);
  std::string joined;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].find(',') != std::string::npos)
      refuse(what, "an array item holding ',' ('" + items[i].substr(0, 60) + "')");
    joined.append(i ? "," : "").append(items[i]);
  }
  return joined;
}

std::vector<std::string> secrets_from_env(const PluginOptions& options) {
  std::vector<std::string> secrets;
  for (const auto& [key, variable] : options) {
    const char* value = key.ends_with("_env") ? std::getenv(variable.c_str()) : nullptr;
    if (value && *value) secrets.emplace_back(value);
  }
  return secrets;
}

}  // namespace gatehouse
