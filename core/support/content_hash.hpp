// XXH3, 64 bit: a fast, stable hash for ETags, catalog versions and snapshot checksums (not
// for security). A catalog's version hashes every model's JSON, so speed matters at 100k
// models: XXH3 reads tens of bytes per cycle where a byte-at-a-time hash reads one.
#pragma once

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace gatehouse {

class ContentHash {
 public:
  ContentHash() { XXH3_64bits_reset(&state_); }
  ContentHash(const ContentHash&) = delete;
  ContentHash& operator=(const ContentHash&) = delete;

  // Adds bytes and their length, so ("ab","c") and ("a","bc") differ.
  ContentHash& add(std::string_view bytes) {
    XXH3_64bits_update(&state_, bytes.data(), bytes.size());
    uint64_t size = bytes.size();
    XXH3_64bits_update(&state_, &size, sizeof size);
    return *this;
  }
  uint64_t value() const { return XXH3_64bits_digest(&state_); }
  std::string hex() const { return to_hex(value()); }

  static std::string to_hex(uint64_t value) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
    return buf;
  }

 private:
  XXH3_state_t state_;
};

}  // namespace gatehouse
