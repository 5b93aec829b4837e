// A Redis connection (blocking, with timeouts): commands as binary-safe argument lists, and
// the messages of a subscription. hiredis connects; the replies are read by RespReader,
// within RespLimits, and each command is bounded by its timeout as a whole (hiredis'
// timeout is per read: a server dripping a byte a second would hold a command for ever).
// Not thread-safe: one user at a time. Any I/O failure, or a reply that is not RESP or is
// past the limits, breaks the connection for good; the owner makes a new one.
#pragma once

#include "support/resp_reader.hpp"

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace gatehouse {

// A failure to reach or use Redis, or an error reply; the text says which and why.
class RedisError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RedisEndpoint {
  std::string host;
  uint16_t port = 6379;
  int db = 0;

  std::string url() const;  // "redis://host:port/db", for logs and status (no secret in it)
};

// "redis://HOST[:PORT][/DB]". Throws std::invalid_argument naming what is wrong: another
// scheme (rediss:// too: Debian 12's hiredis has no TLS), a password in the URL (it
// belongs in the environment), a bad port or database number.
RedisEndpoint parse_redis_url(std::string_view url);

struct RedisSettings {
  RedisEndpoint endpoint;
  std::string password;  // sent with AUTH when not empty
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};  // one command, sent and answered
  RespLimits limits;
};

class RedisConnection {
 public:
  // Connects, authenticates and selects the database. Throws RedisError.
  explicit RedisConnection(const RedisSettings& settings);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command. Throws RedisError for an error reply (the connection stays usable)
  // or a broken connection (then broken() is true).
  RedisReply command(std::initializer_list<std::string_view> args);
  // Sends a command without waiting for its reply (SUBSCRIBE). Throws RedisError.
  void send(std::initializer_list<std::string_view> args);
  // The next reply, waiting at most `wait`; nullopt when none came. Throws RedisError.
  std::optional<RedisReply> receive(std::chrono::milliseconds wait);
  bool broken() const { return broken_; }

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  [[noreturn]] void fail(const std::string& what);
  void write_all(std::initializer_list<std::string_view> args, Deadline deadline);
  // False when nothing came by `deadline`.
  bool read_some(Deadline deadline);
  std::optional<RedisReply> buffered();

  std::string where_;  // "redis://host:port/db", for messages
  std::chrono::milliseconds command_timeout_;
  std::unique_ptr<redisContext, void (*)(redisContext*)> context_;
  RespReader reader_;
  bool broken_ = false;
};

}  // namespace gatehouse
