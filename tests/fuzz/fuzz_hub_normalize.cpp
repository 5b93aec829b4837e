// Any bytes as a Hub list page or model record, through the Hugging Face normalizer and the
// host's ingest.
#include "fuzz_sink.hpp"
#include "hub_normalizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gatehouse::huggingface::HubNormalizer normalizer("https://huggingface.co");
  static gatehouse::fuzz::HostSink host;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    normalizer.normalize(bytes, "fuzz", [](const gatehouse::Model& m) { host.sink.emit(m); });
  } catch (const gatehouse::Error&) {
  }
  return 0;
}
