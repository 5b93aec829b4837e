#include "support/resp_reader.hpp"

#include <charconv>

namespace gatehouse {
namespace {

// Status, error and integer lines, and headers: short in every reply Redis gives.
constexpr size_t max_line_bytes = 64u << 10;

int64_t number_in(std::string_view text, std::string_view what) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    throw RespError("not RESP: " + std::string(what) + " '" + std::string(text.substr(0, 40)) +
                    "' is not a number");
  return value;
}

}  // namespace

void RespReader::feed(std::string_view bytes) {
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  buffer_.append(bytes);
  // A reply within the limits is never much larger than max_reply_bytes: more buffered
  // and still incomplete is a reply too large, whatever its headers said.
  if (buffer_.size() - start_ > limits_.max_reply_bytes + max_line_bytes)
    throw RespError("a reply larger than " + std::to_string(limits_.max_reply_bytes) + " bytes");
}

std::optional<RedisReply> RespReader::next() {
  Cursor c{start_};
  std::optional<RedisReply> reply = parse(c, 0);
  if (!reply) return std::nullopt;
  start_ = c.at;
  if (start_ > buffer_.size() / 2) {  // keeps the buffer from growing with each reply
    buffer_.erase(0, start_);
    start_ = 0;
  }
  return reply;
}

std::optional<std::string_view> RespReader::line(Cursor& c) const {
  size_t end = buffer_.find("\r\n", c.at);
  if (end == std::string::npos) {
    if (buffer_.size() - c.at > max_line_bytes)
      throw RespError("not RESP: a line longer than " + std::to_string(max_line_bytes) + " bytes");
    return std::nullopt;
  }
  std::string_view text(buffer_.data() + c.at, end - c.at);
  c.at = end + 2;
  return text;
}

std::optional<RedisReply> RespReader::parse(Cursor& c, int depth) const {
  std::optional<std::string_view> text = line(c);
  if (!text) return std::nullopt;
  if (text->empty()) throw RespError("not RESP: an empty line");
  char kind = text->front();
  std::string_view rest = text->substr(1);
  RedisReply reply;
  switch (kind) {
    case '+':
      reply.type = RedisReply::Type::string;
      reply.string = rest;
      return reply;
    case '-':
      reply.type = RedisReply::Type::error;
      reply.string = rest;
      return reply;
    case ':':
      reply.type = RedisReply::Type::integer;
      reply.integer = number_in(rest, "an integer");
      return reply;
    case '$': return parse_bulk(c, rest);
    case '*': return parse_array(c, rest, depth);
    default:
      throw RespError("not RESP: a reply starting with byte " +
                      std::to_string(static_cast<unsigned char>(kind)));
  }
}

std::optional<RedisReply> RespReader::parse_bulk(Cursor& c, std::string_view header) const {
  int64_t size = number_in(header, "a bulk length");
  RedisReply reply;
  if (size == -1) return reply;
  if (size < 0) throw RespError("not RESP: a bulk length of " + std::to_string(size));
  if (static_cast<uint64_t>(size) > limits_.max_reply_bytes)
    throw RespError("a bulk string of " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(limits_.max_reply_bytes) + " a reply may be");
  if (buffer_.size() - c.at < static_cast<size_t>(size) + 2) return std::nullopt;
  if (buffer_.compare(c.at + size, 2, "\r\n") != 0)
    throw RespError("not RESP: a bulk string longer than its length");
  reply.type = RedisReply::Type::string;
  reply.string.assign(buffer_, c.at, size);
  c.at += size + 2;
  return reply;
}

std::optional<RedisReply> RespReader::parse_array(Cursor& c, std::string_view header,
                                                  int depth) const {
  int64_t count = number_in(header, "an array length");
  RedisReply reply;
  if (count == -1) return reply;
  if (count < 0) throw RespError("not RESP: an array length of " + std::to_string(count));
  if (depth >= limits_.max_depth)
    throw RespError("arrays nested deeper than " + std::to_string(limits_.max_depth));
  if (static_cast<uint64_t>(count) > limits_.max_elements - c.elements)
    throw RespError("an array of " + std::to_string(count) + " elements, more than the " +
                    std::to_string(limits_.max_elements) + " a reply may hold");
  c.elements += count;
  reply.type = RedisReply::Type::array;
  reply.elements.reserve(count);
  for (int64_t i = 0; i < count; ++i) {
    std::optional<RedisReply> element = parse(c, depth + 1);
    if (!element) return std::nullopt;
    reply.elements.push_back(std::move(*element));
  }
  return reply;
}

}  // namespace gatehouse
