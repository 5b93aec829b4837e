// The seal of a version 3 snapshot, written from the format's description (not from
// snapshot_store.cpp): the file begins {"format":"gatehouse-snapshot","version":3,
// "checksum":"<16 hex digits>", and the digits are XXH3-64 of every byte after their
// closing quote. Tests that edit a snapshot on purpose seal it again.
#pragma once

#include <xxhash.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace gatehouse::test {

inline std::string resealed(std::string snapshot) {
  constexpr std::string_view head = R"({"format":"gatehouse-snapshot","version":3,"checksum":")";
  if (!snapshot.starts_with(head) || snapshot.size() < head.size() + 17) return snapshot;
  size_t from = head.size() + 17;
  char hex[17];
  std::snprintf(
      hex, sizeof hex, "%016llx",
      static_cast<unsigned long long>(XXH3_64bits(snapshot.data() + from, snapshot.size() - from)));
  return snapshot.replace(head.size(), 16, hex);
}

}  // namespace gatehouse::test
