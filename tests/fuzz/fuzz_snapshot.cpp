// Any bytes as a gateway's snapshot: a catalog or a SnapshotError, never a crash. A version
// 3 file is trusted once its checksum matches, so inputs that begin as one are sealed here
// first (or the fuzzer would only ever meet the checksum): from valid JSON, every record
// must render valid JSON, also merged with itself (which rewrites each model's offers from
// the offsets read). A version 2 file is validated whole by the reader.
#include "catalog/catalog.hpp"
#include "catalog/snapshot_store.hpp"
#include "harness/snapshot_seal.hpp"

#include <simdjson.h>

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes =
      gatehouse::test::resealed(std::string(reinterpret_cast<const char*>(data), size));
  simdjson::dom::parser parser;
  bool valid_json = !parser.parse(bytes).error();
  try {
    gatehouse::Snapshot s = gatehouse::parse_snapshot(bytes, "hug", "/fuzz/hug.json");
    auto catalog = std::make_shared<const gatehouse::Catalog>(std::move(s.models), s.fetched_at_ms);
    std::string served = catalog->models_json();
    std::vector<gatehouse::NamedCatalog> twice{{"hug", catalog}, {"again", catalog}};
    std::string merged = gatehouse::merge_catalogs(twice)->models_json();
    if (valid_json && (parser.parse(served).error() || parser.parse(merged).error())) std::abort();
  } catch (const gatehouse::SnapshotError&) {
  }
  return 0;
}
