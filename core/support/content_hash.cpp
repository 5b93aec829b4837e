#include "support/content_hash.hpp"

#include <xxhash.h>

#include <cstdio>
#include <new>

namespace gatehouse {

struct ContentHash::State {
  State() : xxh(XXH3_createState()) {
    if (!xxh) throw std::bad_alloc();
    XXH3_64bits_reset(xxh);
  }
  ~State() { XXH3_freeState(xxh); }
  XXH3_state_t* xxh;
};

ContentHash::ContentHash() : state_(std::make_unique<State>()) {}
ContentHash::~ContentHash() = default;

ContentHash& ContentHash::add(std::string_view bytes) {
  XXH3_64bits_update(state_->xxh, bytes.data(), bytes.size());
  uint64_t size = bytes.size();
  XXH3_64bits_update(state_->xxh, &size, sizeof size);
  return *this;
}

uint64_t ContentHash::value() const { return XXH3_64bits_digest(state_->xxh); }

uint64_t ContentHash::of(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

std::string ContentHash::to_hex(uint64_t value) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace gatehouse
