// FNV-1a, 64 bit: a fast, stable hash for ETags and catalog versions (not for security).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace gatehouse {

class ContentHash {
 public:
  // Adds bytes and a separator, so ("ab","c") and ("a","bc") differ.
  ContentHash& add(std::string_view bytes) {
    for (unsigned char c : bytes) hash_ = (hash_ ^ c) * prime;
    hash_ = (hash_ ^ 0xff) * prime;
    return *this;
  }
  std::string hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_));
    return buf;
  }

 private:
  static constexpr uint64_t prime = 1099511628211ull;
  uint64_t hash_ = 14695981039346656037ull;
};

}  // namespace gatehouse
