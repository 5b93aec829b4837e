// Any bytes as a gateway's snapshot: a catalog whose every record renders valid JSON, also
// merged with itself (which rewrites each model's offers from the offsets read), or a
// SnapshotError.
#include "catalog/catalog.hpp"
#include "catalog/snapshot_store.hpp"

#include <simdjson.h>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    gatehouse::Snapshot s = gatehouse::parse_snapshot(
        std::string_view(reinterpret_cast<const char*>(data), size), "hug", "/fuzz/hug.json");
    auto catalog = std::make_shared<const gatehouse::Catalog>(std::move(s.models), s.fetched_at_ms);
    simdjson::dom::parser parser;
    if (parser.parse(catalog->models_json()).error()) std::abort();  // served as it is
    std::vector<gatehouse::NamedCatalog> twice{{"hug", catalog}, {"again", catalog}};
    if (parser.parse(gatehouse::merge_catalogs(twice)->models_json()).error()) std::abort();
  } catch (const gatehouse::SnapshotError&) {
  }
  return 0;
}
