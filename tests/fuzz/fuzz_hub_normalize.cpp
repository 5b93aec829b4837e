// Any bytes as a Hub list page or model record, through the Hugging Face normalizer and the
// host's ingest.
#include "fuzz_sink.hpp"
#include "hub_normalizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gatehouse::huggingface::HubNormalizer normalizer("https://huggingface.co");
  return gatehouse::fuzz::normalize(normalizer, data, size);
}
