// Any bytes as a gateway's snapshot: a catalog whose every record renders valid JSON, or
// a SnapshotError.
#include "catalog/catalog.hpp"
#include "catalog/snapshot_store.hpp"

#include <simdjson.h>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    gatehouse::Snapshot s = gatehouse::parse_snapshot(
        std::string_view(reinterpret_cast<const char*>(data), size), "hug", "/fuzz/hug.json");
    gatehouse::Catalog catalog(std::move(s.models), s.fetched_at_ms);
    simdjson::dom::parser parser;
    if (parser.parse(catalog.models_json()).error()) std::abort();  // served as it is
  } catch (const gatehouse::SnapshotError&) {
  }
  return 0;
}
