// Content negotiation for gzip: Accept-Encoding read as RFC 9110 12.5.3 defines it.
#pragma once

#include <string_view>

namespace gatehouse {

// True when the client accepts gzip: "gzip" (or "x-gzip"), else "*", listed with a weight
// above zero. Names and "q" are case-insensitive; a weight that is not a qvalue counts
// as a refusal, and so does a missing or empty header.
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace gatehouse
