// Any text as Accept-Encoding, Retry-After and RateLimit.
#include "http/content_coding.hpp"
#include "plugin_host/http_client.hpp"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  gatehouse::accepts_gzip(text);
  for (const char* name : {"Retry-After", "RateLimit"}) {
    auto wait = gatehouse::retry_wait_from_headers({{name, text}});
    if (wait && (wait->count() < 0 || *wait > std::chrono::hours(24))) std::abort();
  }
  return 0;
}
