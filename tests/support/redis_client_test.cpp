// The Redis client against a real redis-server: URLs, commands (binary-safe), errors that
// keep the connection, a wrong password, a subscription, and a server that dies.
#include "support/redis_client.hpp"
#include "harness/redis_server.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;

std::string url_error(std::string_view url) {
  try {
    parse_redis_url(url);
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

TEST(RedisUrl, HostPortAndDatabase) {
  RedisEndpoint e = parse_redis_url("redis://cache.internal:6380/2");
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 2);
  EXPECT_EQ(parse_redis_url("redis://10.0.0.5").url(), "redis://10.0.0.5:6379/0");
  EXPECT_EQ(parse_redis_url("redis://[::1]:7000/1").host, "::1");
  EXPECT_EQ(parse_redis_url("redis://[::1]").port, 6379);
}

TEST(RedisUrl, RefusalsSayWhatToDo) {
  EXPECT_NE(url_error("rediss://r:6379").find("TLS tunnel"), std::string::npos);
  EXPECT_NE(url_error("redis://:secret@r:6379").find("redis_password_env"), std::string::npos);
  EXPECT_EQ(url_error("redis://:secret@r:6379").find("secret"), std::string::npos)
      << "the password is not repeated: " << url_error("redis://:secret@r:6379");
  EXPECT_NE(url_error("http://r").find("must start with redis://"), std::string::npos);
  EXPECT_NE(url_error("redis://r:0").find("port"), std::string::npos);
  EXPECT_NE(url_error("redis://r:65536").find("port"), std::string::npos);
  EXPECT_NE(url_error("redis://r/x").find("database"), std::string::npos);
  EXPECT_NE(url_error("redis://:6379").find("no host"), std::string::npos);
}

class RedisClient : public ::testing::Test {
 protected:
  test::RedisServer server_;
};

TEST_F(RedisClient, CommandsAreBinarySafeAndErrorRepliesKeepTheConnection) {
  RedisConnection redis(server_.settings());
  std::string value("a\0b\r\n", 5);
  EXPECT_EQ(redis.command({"SET", "k", value}).string, "OK");
  EXPECT_EQ(redis.command({"GET", "k"}).string, value);
  EXPECT_TRUE(redis.command({"GET", "missing"}).is_nil());
  EXPECT_EQ(redis.command({"INCR", "n"}).integer, 1);
  EXPECT_THROW(redis.command({"INCR", "k"}), RedisError);
  EXPECT_FALSE(redis.broken());
  EXPECT_EQ(redis.command({"GET", "k"}).string, value);
}

TEST_F(RedisClient, AWrongPasswordIsRefusedByName) {
  RedisSettings settings = server_.settings();
  settings.password = "wrong";
  try {
    RedisConnection redis(settings);
    FAIL() << "connected with a wrong password";
  } catch (const RedisError& e) {
    EXPECT_NE(std::string(e.what()).find("WRONGPASS"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("wrong"), std::string::npos) << "no password in it";
  }
}

TEST_F(RedisClient, ASubscriptionWaitsBoundedAndReceives) {
  RedisConnection subscriber(server_.settings()), publisher(server_.settings());
  subscriber.send({"SUBSCRIBE", "news"});
  auto confirmed = subscriber.receive(2s);
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->elements.at(0).string, "subscribe");
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(subscriber.receive(100ms));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 90ms);
  publisher.command({"PUBLISH", "news", "hug abc"});
  auto message = subscriber.receive(2s);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->elements.at(2).string, "hug abc");
}

TEST_F(RedisClient, AServerThatDiesBreaksTheConnection) {
  RedisConnection redis(server_.settings());
  server_.kill();
  EXPECT_THROW(redis.command({"PING"}), RedisError);
  EXPECT_TRUE(redis.broken());
  EXPECT_THROW(RedisConnection{server_.settings()}, RedisError);
}

}  // namespace
}  // namespace gatehouse
