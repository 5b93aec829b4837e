// gzip (RFC 1952) with zlib, including streams joined from parts deflated ahead of time:
// a large body compressed once (at ingest) and a small per-request tail compressed per
// request make one valid stream.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace gatehouse {

// Bodies smaller than this go out plain: gzip's framing and a round trip of inflate cost
// more than the bytes it saves.
inline constexpr size_t gzip_min_bytes = 1024;

std::string gzip(std::string_view data);

// Decompresses one gzip stream into `out`. False when it is not one complete, valid gzip
// stream, or when it would grow past `limit` bytes (then out.size() > limit).
bool gunzip(std::string_view data, size_t limit, std::string& out);

// Text deflated once, ready to be joined: a raw deflate run ending in a sync flush
// (byte-aligned and not final, so other runs may follow), with its CRC and size.
class DeflatedPart {
 public:
  explicit DeflatedPart(std::string_view text);

 private:
  friend std::string gzip_join(std::span<const DeflatedPart* const>, std::string_view);
  std::string deflated_;
  unsigned long crc_;
  size_t size_;
};

// One complete gzip stream of the parts' texts in order, then `tail` (compressed now, as
// the final run). The trailer's CRC is combined from the parts' own.
std::string gzip_join(std::span<const DeflatedPart* const> parts, std::string_view tail);

}  // namespace gatehouse
