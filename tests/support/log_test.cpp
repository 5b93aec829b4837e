// Log lines carry what upstreams and plugins said; they must not forge lines or steer a
// terminal (hardening B8).
#include "support/log.hpp"
#include "support/utf8.hpp"

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

TEST(Log, ControlBytesAndInvalidUtf8AreWrittenHarmlessly) {
  testing::internal::CaptureStderr();
  log_warn("upstream said \x1b[31mred\nforged 2026-01-01 error line \xff end");
  std::string line = testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_NE(line.find(" warn upstream said \\x1b[31mred\\x0aforged 2026-01-01 error line "
                      "\xEF\xBF\xBD end\n"),
            std::string::npos)
      << line;
}

TEST(Log, PrintableKeepsUtf8AndEscapesOnlyControls) {
  EXPECT_EQ(printable("Qwen2.5 Ω\t\x7f"), "Qwen2.5 Ω\\x09\\x7f");
  EXPECT_EQ(printable("csi \xC2\x9B"
                      "31m, nel \xC2\x85, nbsp \xC2\xA0"),
            "csi \\x9b31m, nel \\x85, nbsp \xC2\xA0");
  EXPECT_EQ(printable("a\\x0a"), "a\\x5cx0a") << "no escape can be forged";
}

}  // namespace
}  // namespace gatehouse
