#include "app/config.hpp"
#include "harness/paths.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

namespace gatehouse {
namespace {

const std::filesystem::path source = "/etc/gatehouse/config.toml";

const char* const full = R"(
[server]
listen = "0.0.0.0:9000"
threads = 4
[plugins]
dir = "build/release/plugins"
[cache]
dir = "/var/cache/gatehouse"

[[gateways]]
name = "hug"
plugin = "huggingface"
aliases = ["huggingface", "hf"]
ttl_s = 3600
[gateways.options]
base_url = "https://huggingface.co"
page_size = 1000
full = false
patterns = ["llava-hf", "hugging", "hf/"]

[[gateways]]
name = "portkey"
plugin = "./custom/portkey.so"
)";

// The message the config is rejected with, or "" when it is accepted.
std::string error_of(const std::string& text) {
  try {
    parse_config(text, source);
    return "";
  } catch (const ConfigError& e) {
    return e.what();
  }
}

TEST(Config, ReadsEveryKeyOfTheSchema) {
  Config c = parse_config(full, source);
  EXPECT_EQ(c.listen.host, "0.0.0.0");
  EXPECT_EQ(c.listen.port, 9000);
  EXPECT_EQ(c.threads, 4u);
  EXPECT_EQ(c.plugins.dir, "/etc/gatehouse/build/release/plugins");
  EXPECT_EQ(c.cache.dir, "/var/cache/gatehouse");
  EXPECT_EQ(c.cache.first_fetch_wait_ms, 10000);
  ASSERT_EQ(c.gateways.size(), 2u);
  const GatewayConfig& hug = c.gateways[0];
  EXPECT_EQ(hug.name, "hug");
  EXPECT_EQ(hug.plugin, "huggingface");
  EXPECT_EQ(hug.aliases, (std::vector<std::string>{"huggingface", "hf"}));
  EXPECT_EQ(hug.ttl_s, 3600);
  using Options = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(hug.options, (Options{{"base_url", "https://huggingface.co"},
                                  {"page_size", "1000"},
                                  {"full", "false"},
                                  {"patterns", "llava-hf,hugging,hf/"}}));
  EXPECT_EQ(c.gateways[1].ttl_s, 3600) << "default";
}

TEST(Config, ResolvesPluginNamesAndPathsAgainstTheConfigFolder) {
  Config c = parse_config(full, source);
  EXPECT_EQ(c.plugins.path_of("huggingface"),
            "/etc/gatehouse/build/release/plugins/huggingface.so");
  EXPECT_EQ(c.plugins.path_of("./custom/portkey.so"), "/etc/gatehouse/custom/portkey.so");
  EXPECT_EQ(c.plugins.path_of("/opt/p.so"), "/opt/p.so");
}

TEST(Config, EmptyFileGivesDefaults) {
  Config c = parse_config("", source);
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 8000);
  EXPECT_EQ(c.plugins.dir, "/etc/gatehouse/plugins");
  EXPECT_TRUE(c.gateways.empty());
}

TEST(Config, UnknownKeyIsNamedWithFileLineAndAllowedKeys) {
  std::string e = error_of("[[gateways]]\nname = \"hug\"\nplugin = \"p\"\nttl = 5\n");
  EXPECT_EQ(e,
            "/etc/gatehouse/config.toml:4:1: unknown key 'gateways[0].ttl' "
            "(allowed: name, plugin, aliases, ttl_s, min_models, options)");
}

TEST(Config, UnknownTopLevelAndSectionKeysAreErrors) {
  EXPECT_NE(error_of("[sever]\nlisten = \"x\"\n").find("1:2: unknown key 'sever'"),
            std::string::npos);
  EXPECT_NE(error_of("[server]\nport = 1\n").find("2:1: unknown key 'server.port'"),
            std::string::npos);
  EXPECT_NE(error_of("[cache]\ndirectory = \"x\"\n").find("unknown key 'cache.directory'"),
            std::string::npos);
}

TEST(Config, WrongTypesAreNamed) {
  EXPECT_EQ(error_of("[server]\nlisten = 8000\n"),
            "/etc/gatehouse/config.toml:2:10: server.listen must be a string, got integer");
  EXPECT_NE(error_of("[[gateways]]\nname = \"a\"\nplugin = \"p\"\nttl_s = \"1h\"\n")
                .find("4:9: gateways[0].ttl_s must be an integer from 1 to"),
            std::string::npos);
  EXPECT_NE(error_of("[[gateways]]\nname = \"a\"\nplugin = \"p\"\naliases = \"b\"\n")
                .find("gateways[0].aliases must be an array of strings"),
            std::string::npos);
  EXPECT_NE(error_of("[[gateways]]\nname = \"a\"\nplugin = \"p\"\n[gateways.options]\nx = 1.5\n")
                .find("5:5: gateways[0].options.x must be a string, an integer, a boolean or an "
                      "array of strings without ',', got a floating-point"),
            std::string::npos);
}

// The admin API turns options into text by the same rule (hot_swap_test.cpp checks it).
TEST(Config, AListItemHoldingACommaIsRefusedNotSplit) {
  std::string e = error_of(
      "[[gateways]]\nname = \"a\"\nplugin = \"p\"\n[gateways.options]\n"
      "patterns = [\"llava-hf\", \"a,b\"]\n");
  EXPECT_NE(e.find("5:12: gateways[0].options.patterns must be a string, an integer, a boolean "
                   "or an array of strings without ',', got an array item holding ',' ('a,b')"),
            std::string::npos)
      << e;
  EXPECT_NE(error_of("[[gateways]]\nname = \"a\"\nplugin = \"p\"\n[gateways.options]\n"
                     "patterns = [\"x\", 2]\n")
                .find("got an array holding integer items"),
            std::string::npos);
}

TEST(Config, MissingRequiredKeysAreNamed) {
  EXPECT_NE(
      error_of("[[gateways]]\nname = \"a\"\n").find("missing required key 'gateways[0].plugin'"),
      std::string::npos);
  EXPECT_NE(
      error_of("[[gateways]]\nplugin = \"p\"\n").find("missing required key 'gateways[0].name'"),
      std::string::npos);
}

TEST(Config, BadListenAddressesAreRejected) {
  // Hardening: 999.1.1.1 and a NUL reached the server, which exited 1 with no file:line.
  for (const char* listen :
       {"8000", "localhost", ":80", "host:", "host:99999", "host:8o", "::1:80", "[::1]",
        "999.1.1.1:8000", "localhost:8000", "127.0.0.1\\u0000x:80", "[::1::]:80"}) {
    std::string e = error_of(std::string("[server]\nlisten = \"") + listen + "\"\n");
    EXPECT_NE(e.find("2:10: server.listen must be IP:PORT"), std::string::npos) << listen << e;
  }
  EXPECT_EQ(parse_listen_address("[fe80::1%eth0]:80", "x").host, "fe80::1%eth0") << "a zone";
  EXPECT_THROW(parse_listen_address("127.0.0.1%eth0:80", "x"), std::invalid_argument);
  ListenAddress v6 = parse_listen_address("[::1]:8080", "x");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 8080);
}

TEST(Config, AnEmptyCacheDirAndAnUnreadableCaFileAreNamedWithTheirPlace) {
  EXPECT_NE(error_of("[cache]\ndir = \"\"\n")
                .find("2:7: cache.dir must name a folder (\"\" would be the config's own folder)"),
            std::string::npos)
      << error_of("[cache]\ndir = \"\"\n");
  std::string e = error_of("[http]\nca_file = \"/nonexistent/ca.pem\"\n");
  EXPECT_NE(e.find("config.toml:2:11: http.ca_file /nonexistent/ca.pem cannot be read: No such "
                   "file or directory"),
            std::string::npos)
      << e;
  EXPECT_NE(error_of("[http]\nca_file = \"/dev\"\n").find("cannot be read: not a regular file"),
            std::string::npos);
}

TEST(Config, AFifoIsNotAConfigAndDoesNotHang) {
  test::TempDir dir;
  auto fifo = dir.path() / "config.toml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  try {
    load_config(fifo);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read config: not a regular file"),
              std::string::npos)
        << e.what();
  }
}

TEST(Config, GatewayNamesAndAliasesAreUniqueAndUrlSafe) {
  EXPECT_NE(error_of("[[gateways]]\nname = \"hug\"\nplugin = \"p\"\n"
                     "[[gateways]]\nname = \"hug\"\nplugin = \"q\"\n")
                .find("gateways[1] uses the name 'hug' already used by gateways[0]"),
            std::string::npos);
  EXPECT_NE(error_of("[[gateways]]\nname = \"hug\"\nplugin = \"p\"\n"
                     "[[gateways]]\nname = \"pk\"\nplugin = \"q\"\naliases = [\"hug\"]\n")
                .find("gateways[1] uses the name 'hug' already used by gateways[0]"),
            std::string::npos);
  EXPECT_NE(error_of("[[gateways]]\nname = \"all\"\nplugin = \"p\"\n").find("not 'all'"),
            std::string::npos);
  EXPECT_NE(error_of("[[gateways]]\nname = \"Hug Face\"\nplugin = \"p\"\n").find("a-z 0-9"),
            std::string::npos);
}

TEST(Config, SyntaxErrorsCarryTheParsersPosition) {
  std::string e = error_of("[server]\nlisten = \"127.0.0.1:1\n");
  EXPECT_EQ(e.rfind("/etc/gatehouse/config.toml:2:", 0), 0u) << e;
}

TEST(Config, LoadingAMissingFileSaysSo) {
  try {
    load_config("/nonexistent/config.toml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/config.toml: cannot read config: no such file");
  }
}

TEST(Config, LoadsTheShippedConfig) {
  Config c = load_config(std::filesystem::path(GATEHOUSE_TEST_DATA_DIR) / "../../config.toml");
  ASSERT_FALSE(c.gateways.empty());
  EXPECT_EQ(c.gateways[0].name, "hug");
  EXPECT_EQ(c.gateways[0].plugin, "huggingface");
}

TEST(Config, RedisKeysAreReadAndCheckedWithFileAndLine) {
  const std::string cache = "[[gateways]]\nname = \"hug\"\nplugin = \"p\"\n[cache]\n";
  Config c = parse_config(cache +
                              "redis_url = \"redis://10.0.0.5:6380/2\"\n"
                              "redis_password_env = \"RP\"\nredis_prefix = \"fleet1\"\n"
                              "redis_lock_ms = 5000\nredis_poll_ms = 250\n",
                          source);
  EXPECT_EQ(c.cache.redis.url, "redis://10.0.0.5:6380/2");
  EXPECT_EQ(c.cache.redis.password_env, "RP");
  EXPECT_EQ(c.cache.redis.prefix, "fleet1");
  EXPECT_EQ(c.cache.redis.lock_ms, 5000);
  EXPECT_EQ(c.cache.redis.poll_ms, 250);
  EXPECT_TRUE(parse_config(cache, source).cache.redis.url.empty()) << "unset: alone";
  EXPECT_EQ(error_of(cache + "redis_url = \"rediss://r:6379\"\n").substr(0, 40),
            "/etc/gatehouse/config.toml:5:13: cache.r");
  EXPECT_NE(error_of(cache + "redis_url = \"rediss://r:6379\"\n").find("TLS"), std::string::npos);
  EXPECT_NE(error_of(cache + "redis_url = \"redis://:pw@r\"\n").find("redis_password_env"),
            std::string::npos);
  EXPECT_NE(error_of(cache + "redis_prefix = \"a b\"\n").find("5:16: cache.redis_prefix"),
            std::string::npos);
  EXPECT_NE(error_of(cache + "redis_lock_ms = 10\n").find("cache.redis_lock_ms must be"),
            std::string::npos);
}

}  // namespace
}  // namespace gatehouse
