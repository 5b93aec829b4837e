#include "app/command_line.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

std::string usage_error(const std::vector<std::string>& args) {
  try {
    parse_command_line(args);
    return "";
  } catch (const UsageError& e) {
    return e.what();
  }
}

TEST(CommandLine, ServeDefaultsToConfigTomlHere) {
  auto serve = std::get<ServeCommand>(parse_command_line({}));
  EXPECT_EQ(serve.config, "config.toml");
  EXPECT_FALSE(serve.listen);
}

TEST(CommandLine, ServeTakesConfigAndListen) {
  auto serve =
      std::get<ServeCommand>(parse_command_line({"--config", "/x.toml", "--listen", "[::1]:1"}));
  EXPECT_EQ(serve.config, "/x.toml");
  EXPECT_EQ(serve.listen, "[::1]:1");
}

TEST(CommandLine, HelpAndVersion) {
  EXPECT_TRUE(std::holds_alternative<HelpCommand>(parse_command_line({"--help"})));
  EXPECT_TRUE(std::holds_alternative<HelpCommand>(parse_command_line({"--config", "x", "-h"})));
  EXPECT_TRUE(std::holds_alternative<VersionCommand>(parse_command_line({"--version"})));
}

TEST(CommandLine, CheckPluginTakesSampleAndOptionsInOrder) {
  auto check = std::get<CheckPluginRequest>(parse_command_line(
      {"check-plugin", "p.so", "--option", "a=1", "--sample", "s.json", "--option", "b=x=y"}));
  EXPECT_EQ(check.plugin, "p.so");
  EXPECT_EQ(check.sample, "s.json");
  EXPECT_EQ(check.options, (PluginOptions{{"a", "1"}, {"b", "x=y"}}));
}

TEST(CommandLine, CheckConfigTakesConfig) {
  EXPECT_EQ(std::get<CheckConfigCommand>(parse_command_line({"--check-config"})).config,
            "config.toml");
  EXPECT_EQ(std::get<CheckConfigCommand>(
                parse_command_line({"--config", "/etc/g.toml", "--check-config"}))
                .config,
            "/etc/g.toml");
  EXPECT_EQ(usage_error({"--check-config", "--listen", "1.2.3.4:5"}),
            "--check-config takes --config only, not --listen");
}

TEST(CommandLine, MistakesAreNamed) {
  EXPECT_EQ(usage_error({"--conifg", "x"}), "unknown argument '--conifg'");
  EXPECT_EQ(usage_error({"--config"}), "--config needs a value");
  EXPECT_EQ(usage_error({"check-plugin"}), "check-plugin needs the path of a plugin .so");
  EXPECT_EQ(usage_error({"check-plugin", "p.so", "--option", "novalue"}),
            "--option takes KEY=VALUE, got 'novalue'");
  EXPECT_EQ(usage_error({"check-plugin", "p.so", "--option", "a=1", "--option", "a=2"}),
            "--option a given twice");
  EXPECT_EQ(usage_error({"check-plugin", "p.so", "q.so"}),
            "check-plugin: unexpected argument 'q.so'");
}

}  // namespace
}  // namespace gatehouse
