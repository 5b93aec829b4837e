#include "support/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <charconv>

namespace gatehouse {
namespace {

timeval timeval_of(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

template <class Int>
bool parse_number(std::string_view text, Int& out, Int max) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() && out <= max;
}

struct Argv {
  std::vector<const char*> data;
  std::vector<size_t> sizes;
  explicit Argv(std::initializer_list<std::string_view> args) {
    for (std::string_view a : args) {
      data.push_back(a.data());
      sizes.push_back(a.size());
    }
  }
  int count() const { return static_cast<int>(data.size()); }
};

}  // namespace

std::string RedisEndpoint::url() const {
  return "redis://" + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

RedisEndpoint parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  auto bad = [&](const std::string& why) {
    // Credentials in the URL are the mistake named, never repeated (messages reach logs).
    std::string shown(url.substr(0, 200));
    size_t from = shown.find("://"), at = shown.rfind('@');
    if (from != std::string::npos && at != std::string::npos && at > from)
      shown.replace(from + 3, at - from - 3, "***");
    return std::invalid_argument("redis_url '" + shown + "': " + why);
  };
  if (url.starts_with("rediss://"))
    throw bad(
        "TLS (rediss://) is not supported: Debian 12's hiredis is built without it; reach "
        "Redis on a private network or through a TLS tunnel, as redis://");
  if (!url.starts_with(scheme)) throw bad("must start with redis://");
  std::string_view rest = url.substr(scheme.size());
  if (rest.find('@') != std::string_view::npos)
    throw bad("holds credentials; put the password in the variable redis_password_env names");
  RedisEndpoint e;
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (rest.size() > authority.size()) {
    std::string_view db = rest.substr(authority.size() + 1);
    if (!db.empty() && !parse_number(db, e.db, 1 << 20))
      throw bad("the database after '/' must be a number, like redis://127.0.0.1:6379/0");
  }
  size_t colon = authority.rfind(':');
  bool bracketed = authority.starts_with('[');  // an IPv6 address: [::1]:6379
  if (colon != std::string_view::npos && (!bracketed || authority[colon - 1] == ']')) {
    if (!parse_number(authority.substr(colon + 1), e.port, uint16_t{65535}) || e.port == 0)
      throw bad("the port must be a number from 1 to 65535");
    authority = authority.substr(0, colon);
  }
  if (bracketed) {
    if (!authority.ends_with(']')) throw bad("an IPv6 address closes with ']'");
    authority = authority.substr(1, authority.size() - 2);
  }
  if (authority.empty()) throw bad("names no host");
  e.host = std::string(authority);
  return e;
}

RedisConnection::RedisConnection(const RedisSettings& settings)
    : where_(settings.endpoint.url()),
      context_(redisConnectWithTimeout(settings.endpoint.host.c_str(), settings.endpoint.port,
                                       timeval_of(settings.connect_timeout)),
               &redisFree) {
  if (!context_) throw RedisError(where_ + ": cannot allocate a connection");
  if (context_->err) fail(std::string("cannot connect: ") + context_->errstr);
  if (redisSetTimeout(context_.get(), timeval_of(settings.command_timeout)) != REDIS_OK)
    fail("cannot set the command timeout");
  if (!settings.password.empty()) {
    try {
      command({"AUTH", settings.password});
    } catch (const RedisError& e) {
      throw RedisError(std::string(e.what()) + " (the password from redis_password_env)");
    }
  }
  if (settings.endpoint.db != 0) command({"SELECT", std::to_string(settings.endpoint.db)});
}

RedisConnection::~RedisConnection() = default;

void RedisConnection::fail(const std::string& what) {
  broken_ = true;
  throw RedisError(where_ + ": " + what);
}

RedisReply RedisConnection::take(void* raw) {
  std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                     &freeReplyObject);
  auto convert = [](const redisReply& r, auto& self) -> RedisReply {
    RedisReply out;
    switch (r.type) {
      case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::integer;
        out.integer = r.integer;
        break;
      case REDIS_REPLY_STRING:
      case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::string;
        out.string.assign(r.str, r.len);
        break;
      case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::array;
        for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(self(*r.element[i], self));
        break;
      default: break;
    }
    return out;
  };
  if (reply->type == REDIS_REPLY_ERROR)
    throw RedisError(where_ + ": " + std::string(reply->str, reply->len));
  return convert(*reply, convert);
}

RedisReply RedisConnection::command(std::initializer_list<std::string_view> args) {
  if (broken_) throw RedisError(where_ + ": the connection is broken");
  Argv argv(args);
  void* reply = redisCommandArgv(context_.get(), argv.count(), argv.data.data(), argv.sizes.data());
  if (!reply) fail(context_->errstr[0] ? context_->errstr : "no reply");
  return take(reply);
}

void RedisConnection::send(std::initializer_list<std::string_view> args) {
  if (broken_) throw RedisError(where_ + ": the connection is broken");
  Argv argv(args);
  if (redisAppendCommandArgv(context_.get(), argv.count(), argv.data.data(), argv.sizes.data()) !=
      REDIS_OK)
    fail(context_->errstr);
  int done = 0;
  while (!done)
    if (redisBufferWrite(context_.get(), &done) != REDIS_OK) fail(context_->errstr);
}

std::optional<RedisReply> RedisConnection::receive(std::chrono::milliseconds wait) {
  if (broken_) throw RedisError(where_ + ": the connection is broken");
  void* reply = nullptr;
  // A reply read earlier may wait in the buffer; else wait for the socket ourselves (a
  // socket timeout inside hiredis would break the connection).
  if (redisGetReplyFromReader(context_.get(), &reply) != REDIS_OK) fail(context_->errstr);
  if (!reply) {
    pollfd p{context_->fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (ready == 0) return std::nullopt;
    if (ready < 0) return std::nullopt;  // EINTR: the caller asks again
    if (redisBufferRead(context_.get()) != REDIS_OK) fail(context_->errstr);
    if (redisGetReplyFromReader(context_.get(), &reply) != REDIS_OK) fail(context_->errstr);
    if (!reply) return std::nullopt;  // part of a reply so far
  }
  return take(reply);
}

}  // namespace gatehouse
