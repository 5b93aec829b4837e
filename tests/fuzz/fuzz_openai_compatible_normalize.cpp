// Any bytes as an OpenAI-compatible model list (or Ollama's), through the openai_compatible
// normalizer and the host's ingest.
#include "fuzz_sink.hpp"
#include "model_list_normalizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static gatehouse::openai_compatible::ModelListNormalizer normalizer({"fuzz", "fuzz_metrics"});
  return gatehouse::fuzz::normalize(normalizer, data, size);
}
