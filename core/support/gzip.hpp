// gzip (RFC 1952) with zlib, including streams joined from parts deflated ahead of time:
// a large body compressed once (at ingest) and a small per-request tail compressed per
// request make one valid stream.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// Bodies smaller than this go out plain: gzip's framing and a round trip of inflate cost
// more than the bytes it saves.
inline constexpr size_t gzip_min_bytes = 1024;

std::string gzip(std::string_view data);

// Decompresses one gzip stream into `out`. False when it is not one complete, valid gzip
// stream, or when it would grow past `limit` bytes (then out.size() > limit).
bool gunzip(std::string_view data, size_t limit, std::string& out);

struct GzipPieces;

// Text deflated once, ready to be joined: a raw deflate run ending in a sync flush
// (byte-aligned and not final, so other runs may follow), with its CRC and size.
class DeflatedPart {
 public:
  explicit DeflatedPart(std::string_view text);

 private:
  friend GzipPieces gzip_pieces(std::span<const DeflatedPart* const>, std::string_view);
  std::string deflated_;
  unsigned long crc_;
  size_t size_;
};

// One complete gzip stream of the parts' texts in order, then `tail` (compressed now, as
// the final run). The trailer's CRC is combined from the parts' own.
std::string gzip_join(std::span<const DeflatedPart* const> parts, std::string_view tail);

// The same stream without a copy of the parts: views of the parts' deflated bytes (they
// stay valid while the parts live) between an owned head (the gzip header) and an owned
// end (the tail's final run and the trailer). Their concatenation is gzip_join's answer.
struct GzipPieces {
  std::string head;
  std::vector<std::string_view> parts;
  std::string end;
};
GzipPieces gzip_pieces(std::span<const DeflatedPart* const> parts, std::string_view tail);

// A gzip stream made as its input arrives, at the fastest level: an answer too big to
// compress at once is compressed a piece at a time, between writes. Holds zlib's state
// (about 256 KB) until destroyed.
class GzipStream {
 public:
  GzipStream();
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // Compresses `in`, appending what zlib gives out so far to `out`.
  void add(std::string_view in, std::string& out);
  // Ends the stream (the rest of the output and the trailer appended to `out`).
  void finish(std::string& out);

 private:
  void run(std::string_view in, int flush, std::string& out);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace gatehouse
