// Accept-Encoding as RFC 9110 reads it (hardening B11: gzip went to clients that refused
// it with "gzip;q=0", "gzip; q=0.0", "gzip;Q=0", "identity, gzip;q=0.000" and "nogzip").
#include "http/content_coding.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(ContentCoding, GzipListedWithAWeightAboveZeroIsAccepted) {
  for (const char* header : {"gzip", "gzip, deflate", "deflate, gzip, br", "GZIP", "x-gzip",
                             "gzip;q=0.001", "gzip;q=1", "gzip;q=1.000", "gzip ; q=0.5",
                             "gzip;level=1", "br;q=1, gzip;q=0.2", "*", "deflate, *;q=0.1"})
    EXPECT_TRUE(accepts_gzip(header)) << header;
}

TEST(ContentCoding, ARefusalOrAnAbsenceIsNoGzip) {
  for (const char* header :
       {"", "gzip;q=0", "gzip; q=0.0", "gzip;Q=0", "identity, gzip;q=0.000", "nogzip", "gzipx",
        "deflate, br", "identity", "*;q=0", "gzip;q=0, *", "gzip;q=2", "gzip;q=1.5",
        "gzip;q=0.0001", "gzip;q=", "gzip;q=abc", "gzip;q=-1"})
    EXPECT_FALSE(accepts_gzip(header)) << header;
}

}  // namespace
}  // namespace gatehouse
