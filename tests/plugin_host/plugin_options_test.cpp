// The one rule that turns typed option values (config.toml, the admin API's JSON) into the
// text a plugin reads.
#include "plugin_host/plugin_options.hpp"

#include <gtest/gtest.h>
#include <gatehouse/text.hpp>

namespace gatehouse {
namespace {

std::string refusal(const OptionValue& value) {
  try {
    option_text(value, "option 'x'");
    return "";
  } catch (const OptionError& e) {
    return e.what();
  }
}

TEST(PluginOptions, ScalarsAreSpelledOutAndListsJoinedWithCommas) {
  EXPECT_EQ(option_text(std::string("https://huggingface.co"), "x"), "https://huggingface.co");
  EXPECT_EQ(option_text(std::string("likes,downloads"), "x"), "likes,downloads")
      << "a plain string is the plugin's to split";
  EXPECT_EQ(option_text(int64_t{-42}, "x"), "-42");
  EXPECT_EQ(option_text(true, "x"), "true");
  EXPECT_EQ(option_text(false, "x"), "false");
  std::vector<std::string> patterns{"llava-hf", "hugging", "hf/"};
  std::string joined = option_text(patterns, "x");
  EXPECT_EQ(joined, "llava-hf,hugging,hf/");
  EXPECT_EQ(split_list(joined), patterns) << "what the plugin splits is what was given";
  EXPECT_EQ(option_text(std::vector<std::string>{}, "x"), "");
}

TEST(PluginOptions, AListItemHoldingACommaIsRefusedNamingIt) {
  EXPECT_EQ(refusal(std::vector<std::string>{"ok", "a,b"}),
            "option 'x' must be a string, an integer, a boolean or an array of strings without "
            "',', got an array item holding ',' ('a,b')");
}

TEST(PluginOptions, OtherTypesAreRefusedNamingWhatCame) {
  EXPECT_EQ(refusal(UnsupportedOption{"a floating-point"}),
            "option 'x' must be a string, an integer, a boolean or an array of strings without "
            "',', got a floating-point");
}

}  // namespace
}  // namespace gatehouse
