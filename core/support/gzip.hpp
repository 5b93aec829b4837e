// gzip (RFC 1952) with zlib, including bodies whose large head is compressed once and
// whose small, per-request tail is compressed per request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gatehouse {

std::string gzip(std::string_view data);

// Decompresses one gzip stream into `out`. False when it is not one complete, valid gzip
// stream, or when it would grow past `limit` bytes (then out.size() > limit).
bool gunzip(std::string_view data, size_t limit, std::string& out);

// The head of a body, deflated once. finish() appends a tail and yields a complete gzip
// stream: the head ends in a sync flush (byte-aligned, not final), the tail is a second
// deflate run ending the stream, and the trailer's CRC is combined from both.
class GzipHead {
 public:
  explicit GzipHead(std::string_view head);
  std::string finish(std::string_view tail) const;

 private:
  std::string deflated_;
  unsigned long crc_;
  size_t size_;
};

}  // namespace gatehouse
