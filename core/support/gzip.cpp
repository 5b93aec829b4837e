#include "support/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

namespace gatehouse {
namespace {

// Magic, deflate, no flags, no mtime, no extra flags, OS = Unix.
constexpr char gzip_header[10] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, 3};

// Raw deflate (no zlib or gzip wrapper) of data, ended by `flush`. Written out a piece at a
// time, not into a buffer of deflateBound(): a kept part must not hold (and first fault in)
// room for the whole input when it compresses to a tenth of it.
std::string raw_deflate(std::string_view data, int flush, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char piece[1 << 16];
  int rc = Z_OK;
  do {  // a full piece may mean more to come (at worst, one more empty sync block)
    z.next_out = reinterpret_cast<Bytef*>(piece);
    z.avail_out = sizeof piece;
    rc = deflate(&z, flush);
    out.append(piece, sizeof piece - z.avail_out);
  } while (z.avail_out == 0 && rc == Z_OK);
  deflateEnd(&z);
  bool done = flush == Z_FINISH ? rc == Z_STREAM_END : rc == Z_OK || rc == Z_BUF_ERROR;
  if (!done || z.avail_in != 0) throw std::runtime_error("deflate did not consume its input");
  return out;
}

unsigned long crc_of(std::string_view data) {
  return crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()),
               static_cast<uInt>(data.size()));
}

void append_le32(std::string& out, unsigned long value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

// A part is compressed once, at the default level (level 9 doubles the build of a 2 MB
// catalog for 2% fewer bytes); what is compressed per request uses the fastest.
DeflatedPart::DeflatedPart(std::string_view text)
    : deflated_([&] {
        std::string deflated = raw_deflate(text, Z_SYNC_FLUSH, Z_DEFAULT_COMPRESSION);
        deflated.shrink_to_fit();  // kept for the catalog's life
        return deflated;
      }()),
      crc_(crc_of(text)),
      size_(text.size()) {}

GzipPieces gzip_pieces(std::span<const DeflatedPart* const> parts, std::string_view tail) {
  GzipPieces out{std::string(gzip_header, sizeof gzip_header), {}, {}};
  unsigned long crc = crc_of("");
  size_t size = 0;
  for (const DeflatedPart* part : parts) {
    out.parts.push_back(part->deflated_);
    crc = crc32_combine(crc, part->crc_, static_cast<z_off_t>(part->size_));
    size += part->size_;
  }
  out.end = raw_deflate(tail, Z_FINISH, Z_BEST_SPEED);
  append_le32(out.end, crc32_combine(crc, crc_of(tail), static_cast<z_off_t>(tail.size())));
  append_le32(out.end, static_cast<unsigned long>((size + tail.size()) & 0xffffffffu));
  return out;
}

std::string gzip_join(std::span<const DeflatedPart* const> parts, std::string_view tail) {
  GzipPieces pieces = gzip_pieces(parts, tail);
  std::string out = std::move(pieces.head);
  for (std::string_view part : pieces.parts) out.append(part);
  out.append(pieces.end);
  return out;
}

struct GzipStream::State {
  z_stream z{};
};

GzipStream::GzipStream() : state_(std::make_unique<State>()) {
  // 16 + MAX_WBITS: zlib writes the gzip header and trailer itself.
  if (deflateInit2(&state_->z, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    throw std::runtime_error("deflateInit2 failed");
}

GzipStream::~GzipStream() { deflateEnd(&state_->z); }

void GzipStream::add(std::string_view in, std::string& out) { run(in, Z_NO_FLUSH, out); }

void GzipStream::finish(std::string& out) { run({}, Z_FINISH, out); }

void GzipStream::run(std::string_view in, int flush, std::string& out) {
  z_stream& z = state_->z;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  do {  // deflate is called until it has room to spare: then it took all it was given
    size_t before = out.size();
    out.resize(before + std::max<size_t>(in.size() / 4, 16 << 10));
    z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    z.avail_out = static_cast<uInt>(out.size() - before);
    rc = deflate(&z, flush);
    out.resize(out.size() - z.avail_out);
  } while (z.avail_out == 0 && rc == Z_OK);
  bool done = flush == Z_FINISH ? rc == Z_STREAM_END : rc == Z_OK || rc == Z_BUF_ERROR;
  if (!done || z.avail_in != 0) throw std::runtime_error("deflate did not consume its input");
}

std::string gzip(std::string_view data) { return gzip_join({}, data); }

bool gunzip(std::string_view data, size_t limit, std::string& out) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  out.clear();
  int rc = Z_OK;
  char buf[65536];
  while (rc == Z_OK && out.size() <= limit) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  bool complete = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  return complete && out.size() <= limit;
}

}  // namespace gatehouse
