// What the host does with a model a plugin emits, for fuzzers that drive a normalizer
// directly: through the C sink, make_model_record, and the rendered JSON checked to parse.
#pragma once

#include "catalog/model_record.hpp"

#include <simdjson.h>
#include <gatehouse/plugin.hpp>

#include <cstdlib>

namespace gatehouse::fuzz {

inline gatehouse_status ingest(void*, const gatehouse_model* model) {
  try {
    ModelRecord record = make_model_record(*model, "fuzz");
    static thread_local simdjson::dom::parser parser;
    if (parser.parse(record.json).error()) std::abort();  // the host rendered bad JSON
  } catch (const InvalidModel&) {
  }
  return GATEHOUSE_OK;
}

// A sink as the host lends one: every model goes through ingest().
struct HostSink {
  gatehouse_model_sink c{sizeof(gatehouse_model_sink), nullptr, &ingest};
  gatehouse::ModelSink sink{&c};
};

// One input through a plugin's normalizer and into the host; parse errors are expected.
template <class Normalizer>
int normalize(Normalizer& normalizer, const uint8_t* data, size_t size) {
  static HostSink host;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    normalizer.normalize(bytes, "fuzz", [](const gatehouse::Model& m) { host.sink.emit(m); });
  } catch (const gatehouse::Error&) {
  }
  return 0;
}

}  // namespace gatehouse::fuzz
