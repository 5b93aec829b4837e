#include "support/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace gatehouse {
namespace {

using SteadyClock = std::chrono::steady_clock;

timeval timeval_of(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000),
          static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

template <class Int>
bool parse_number(std::string_view text, Int& out, Int max) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() && out <= max;
}

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
      command_timeout_(settings.command_timeout),
      context_(redisConnectWithTimeout(settings.endpoint.host.c_str(), settings.endpoint.port,
                                       timeval_of(settings.connect_timeout)),
               &redisFree),
      reader_(settings.limits) {
  if (!context_) throw RedisError(where_ + ": cannot allocate a connection");
  if (context_->err) fail(std::string("cannot connect: ") + context_->errstr);
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

void RedisConnection::write_all(std::initializer_list<std::string_view> args, Deadline deadline) {
  if (broken_) throw RedisError(where_ + ": the connection is broken");
  std::string out;
  auto header = [&out](char kind, size_t n) {
    out.push_back(kind);
    out.append(std::to_string(n)).append("\r\n");
  };
  header('*', args.size());
  for (std::string_view a : args) {
    header('$', a.size());
    out.append(a).append("\r\n");
  }
  for (size_t sent = 0; sent < out.size();) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    pollfd p{context_->fd, POLLOUT, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) fail("cannot send within " + std::to_string(command_timeout_.count()) + " ms");
    ssize_t n = ::send(context_->fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) fail(std::string("cannot send: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
}

bool RedisConnection::read_some(Deadline deadline) {
  char chunk[64 << 10];
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    pollfd p{context_->fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) fail(std::string("cannot wait for a reply: ") + std::strerror(errno));
    if (ready == 0) return false;
    ssize_t n = ::recv(context_->fd, chunk, sizeof chunk, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) fail(std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) fail("the server closed the connection");
    try {
      reader_.feed({chunk, static_cast<size_t>(n)});
    } catch (const RespError& e) {
      fail(e.what());
    }
    return true;
  }
}

std::optional<RedisReply> RedisConnection::buffered() {
  try {
    return reader_.next();
  } catch (const RespError& e) {
    fail(e.what());
  }
}

RedisReply RedisConnection::command(std::initializer_list<std::string_view> args) {
  Deadline deadline = SteadyClock::now() + command_timeout_;
  write_all(args, deadline);
  std::optional<RedisReply> reply = buffered();
  while (!reply) {
    if (!read_some(deadline))
      fail("no whole reply within " + std::to_string(command_timeout_.count()) + " ms");
    reply = buffered();
  }
  if (reply->type == RedisReply::Type::error) throw RedisError(where_ + ": " + reply->string);
  return std::move(*reply);
}

void RedisConnection::send(std::initializer_list<std::string_view> args) {
  write_all(args, SteadyClock::now() + command_timeout_);
}

std::optional<RedisReply> RedisConnection::receive(std::chrono::milliseconds wait) {
  if (broken_) throw RedisError(where_ + ": the connection is broken");
  Deadline deadline = SteadyClock::now() + wait;
  std::optional<RedisReply> reply = buffered();
  while (!reply) {  // a message may come in parts: none whole by then is none yet
    if (!read_some(deadline)) return std::nullopt;
    reply = buffered();
  }
  if (reply->type == RedisReply::Type::error) throw RedisError(where_ + ": " + reply->string);
  return reply;
}

}  // namespace gatehouse
