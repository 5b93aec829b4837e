// Any bytes as OpenRouter's model list, through the OpenRouter normalizer and the host's
// ingest.
#include "fuzz_sink.hpp"
#include "openrouter_normalizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gatehouse::openrouter::OpenRouterNormalizer normalizer("https://openrouter.ai");
  return gatehouse::fuzz::normalize(normalizer, data, size);
}
