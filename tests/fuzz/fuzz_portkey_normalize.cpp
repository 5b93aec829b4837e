// Any bytes as Portkey's model list, through the Portkey normalizer (with the legacy
// patterns) and the host's ingest.
#include "fuzz_sink.hpp"
#include "portkey_normalizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gatehouse::portkey::PortkeyNormalizer normalizer({"llava-hf", "hugging", "hf/", ""});
  return gatehouse::fuzz::normalize(normalizer, data, size);
}
