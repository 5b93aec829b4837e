// XXH3, 64 bit (libxxhash): a fast, stable hash for ETags, catalog versions and snapshot
// checksums (not for security). A catalog's version hashes every model's JSON, so speed
// matters at 100k models: XXH3 reads tens of bytes per cycle where a byte-at-a-time hash
// reads one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace gatehouse {

class ContentHash {
 public:
  ContentHash();
  ~ContentHash();
  ContentHash(const ContentHash&) = delete;
  ContentHash& operator=(const ContentHash&) = delete;

  // Adds bytes and their length, so ("ab","c") and ("a","bc") differ.
  ContentHash& add(std::string_view bytes);
  uint64_t value() const;
  std::string hex() const { return to_hex(value()); }

  // XXH3-64 of bytes, in one call.
  static uint64_t of(std::string_view bytes);
  static std::string to_hex(uint64_t value);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace gatehouse
