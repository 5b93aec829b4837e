// The Redis client against a real redis-server: URLs, commands (binary-safe), errors that
// keep the connection, a wrong password, a subscription, and a server that dies; and
// against a fake one, the replies no Redis gives: refused at their header, in bounded time
// and memory.
#include "support/redis_client.hpp"
#include "harness/fake_redis.hpp"
#include "harness/redis_server.hpp"
#include "harness/replicas.hpp"

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

// What a command against `reply` (any bytes) throws, and how long it took.
struct Refusal {
  std::string error;
  std::chrono::milliseconds took;
  bool broken;
  long grew_kb;
};

Refusal refusal_of(const std::string& reply, RespLimits limits = {}) {
  test::FakeRedis server([&](int) { return reply; });
  RedisSettings settings;
  settings.endpoint = {"127.0.0.1", server.port(), 0};
  settings.command_timeout = 1000ms;
  settings.limits = limits;
  RedisConnection redis(settings);
  long before = test::rss_kb();
  auto started = std::chrono::steady_clock::now();
  Refusal r;
  try {
    redis.command({"PING"});
  } catch (const RedisError& e) {
    r.error = e.what();
  }
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started);
  r.broken = redis.broken();
  r.grew_kb = test::rss_kb() - before;
  return r;
}

TEST(RedisClientHostile, AnArrayOfTwoBillionElementsIsRefusedAtItsHeader) {
  Refusal r = refusal_of("*2147483647\r\n");
  EXPECT_NE(r.error.find("2147483647 elements"), std::string::npos) << r.error;
  EXPECT_LT(r.took, 500ms) << "it waited for elements that never come";
  EXPECT_TRUE(r.broken);
  EXPECT_LT(r.grew_kb, 16 << 10);
}

TEST(RedisClientHostile, AHugeBulkIsRefusedBeforeItIsBuffered) {
  Refusal r = refusal_of("$1073741824\r\n" + std::string(4000, 'x'));
  EXPECT_NE(r.error.find("1073741824 bytes"), std::string::npos) << r.error;
  EXPECT_LT(r.took, 500ms);
  EXPECT_TRUE(r.broken);
  Refusal small = refusal_of("$2000\r\n" + std::string(2000, 'x') + "\r\n", {1000, 16, 2});
  EXPECT_NE(small.error.find("more than the 1000"), std::string::npos) << small.error;
}

TEST(RedisClientHostile, NestingAndElementsAreCapped) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "*1\r\n";
  EXPECT_NE(refusal_of(deep).error.find("nested deeper"), std::string::npos);
  std::string wide = "*2\r\n*1023\r\n";
  EXPECT_NE(refusal_of(wide).error.find("more than the 1024"), std::string::npos)
      << refusal_of(wide).error;
}

TEST(RedisClientHostile, WhatIsNotRespBreaksTheConnection) {
  std::vector<std::string> replies{"HTTP/1.1 400 Bad Request\r\n\r\n", ":12x\r\n", "$-5\r\n",
                                   "+" + std::string(100000, 'a'), "\r\n"};
  for (const std::string& reply : replies) {
    Refusal r = refusal_of(reply);
    EXPECT_TRUE(r.broken) << reply.substr(0, 30);
    EXPECT_NE(r.error.find("not RESP"), std::string::npos) << r.error;
  }
}

TEST(RedisClientHostile, AReplyThatNeverEndsIsBoundedByTheCommandTimeout) {
  Refusal r = refusal_of("$10\r\nabc");
  EXPECT_NE(r.error.find("no whole reply within 1000 ms"), std::string::npos) << r.error;
  EXPECT_GE(r.took, 900ms);
  EXPECT_LT(r.took, 1500ms);
  EXPECT_TRUE(r.broken);
}

TEST(RedisClientHostile, ErrorRepliesInsideArraysAreKept) {
  test::FakeRedis server([](int) { return std::string("*2\r\n-ERR one\r\n:7\r\n"); });
  RedisSettings settings;
  settings.endpoint = {"127.0.0.1", server.port(), 0};
  RedisConnection redis(settings);
  RedisReply reply = redis.command({"EXEC"});
  ASSERT_EQ(reply.elements.size(), 2u);
  EXPECT_EQ(reply.elements[0].type, RedisReply::Type::error);
  EXPECT_EQ(reply.elements[1].integer, 7);
  EXPECT_FALSE(redis.broken());
}

}  // namespace
}  // namespace gatehouse
