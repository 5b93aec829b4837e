// Any bytes as config.toml: a config or a ConfigError, nothing else.
#include "app/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    gatehouse::parse_config(std::string_view(reinterpret_cast<const char*>(data), size),
                            "/fuzz/config.toml");
  } catch (const gatehouse::ConfigError&) {
  }
  return 0;
}
