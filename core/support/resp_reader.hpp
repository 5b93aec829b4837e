// Redis replies (RESP2) parsed from the bytes as they come, within limits checked at each
// header before anything is allocated: a reply no Redis command of ours can get (an array
// of 2^31 elements, a bulk of a gigabyte, arrays nested without end) is refused at once,
// never buffered or built. hiredis' reader cannot do that: it allocates an array from its
// header and buffers a whole bulk before anyone may look at it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

struct RedisReply {
  enum class Type { nil, integer, string, array, error };
  Type type = Type::nil;
  int64_t integer = 0;
  std::string string;  // bulk and status strings, and an error's text
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::nil; }
};

struct RespLimits {
  size_t max_reply_bytes = 256u << 20;  // one whole reply, its bulks included
  size_t max_elements = 1024;           // in all the arrays of one reply
  int max_depth = 4;                    // arrays within arrays
};

// Bytes that are not RESP, or a reply past the limits: the stream cannot be trusted after.
class RespError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RespReader {
 public:
  explicit RespReader(RespLimits limits = {}) : limits_(limits) {}

  void feed(std::string_view bytes);
  // The next whole reply, taken from the buffer; nullopt until its last byte came. Throws
  // RespError.
  std::optional<RedisReply> next();

 private:
  struct Cursor {
    size_t at;
    size_t elements = 0;
  };
  std::optional<RedisReply> parse(Cursor& c, int depth) const;
  std::optional<RedisReply> parse_bulk(Cursor& c, std::string_view header) const;
  std::optional<RedisReply> parse_array(Cursor& c, std::string_view header, int depth) const;
  std::optional<std::string_view> line(Cursor& c) const;

  RespLimits limits_;
  std::string buffer_;
  size_t start_ = 0;  // where the next reply starts; what is before was taken
};

}  // namespace gatehouse
