// A gateway's options as its plugin reads them (host_services.option): text keys and text
// values in the order given. config.toml and the admin API both turn their typed values
// into that text by one rule, here.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace gatehouse {

using PluginOptions = std::vector<std::pair<std::string, std::string>>;

// A value of a type options cannot carry (a float, a table, an array holding a number):
// `type` names it for the error message.
struct UnsupportedOption {
  std::string type;
};

using OptionValue =
    std::variant<std::string, int64_t, bool, std::vector<std::string>, UnsupportedOption>;

class OptionError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Strings as they are, integers and booleans spelled out, arrays of strings joined with
// ',' (the plugins' list syntax, gatehouse::split_list). An array item holding a ',' would
// silently become two items, so it is refused. Throws OptionError "<what> must be ...",
// where `what` names the option as the caller's user knows it.
std::string option_text(const OptionValue& value, std::string_view what);

// What the options point at in the environment: config files hold no secrets, an option
// whose key ends in "_env" (token_env, api_key_env) names the variable that holds one.
// The values of those variables that are set now, for the host to keep out of every
// text of the gateway.
std::vector<std::string> secrets_from_env(const PluginOptions& options);

}  // namespace gatehouse
