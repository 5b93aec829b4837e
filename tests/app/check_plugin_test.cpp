#include "app/check_plugin.hpp"
#include "harness/paths.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace gatehouse {
namespace {

using test::test_data;
using test::test_plugin;

struct Outcome {
  int status;
  std::string out, err;
};

Outcome check(CheckPluginRequest request) {
  std::ostringstream out, err;
  int status = check_plugin(request, out, err);
  return {status, out.str(), err.str()};
}

TEST(CheckPlugin, DescribesAndNormalizesTheSample) {
  Outcome o = check({test_plugin("fixture"), test_data("fixture_models.json"), {}});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("plugin:      fixture\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("version:     0.3.0\n"), std::string::npos);
  EXPECT_NE(o.out.find("abi:         1.1 (host 1.1)\n"), std::string::npos);
  EXPECT_NE(o.out.find("models:      5 emitted, 5 valid, 0 invalid\n"), std::string::npos) << o.out;
  EXPECT_NE(
      o.out.find("first model:\n{\"id\":\"Qwen/QwQ-32B-Preview\",\"name\":\"QwQ 32B Preview\""),
      std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find(R"("fixture_metrics":{)"), std::string::npos);
  EXPECT_EQ(o.err, "");
}

TEST(CheckPlugin, WithoutSampleOnlyLoadsAndCreates) {
  Outcome o = check({test_plugin("c_sample"), std::nullopt, {}});
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("create:      ok (0 option(s))"), std::string::npos);
  EXPECT_EQ(o.out.find("models:"), std::string::npos);
}

TEST(CheckPlugin, FailsOnARejectedPlugin) {
  Outcome o = check({test_plugin("bad_abi_major"), std::nullopt, {}});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("rejected: built for ABI 2.1"), std::string::npos) << o.err;
}

TEST(CheckPlugin, FailsWhenCreateRejectsTheOptions) {
  Outcome o = check({test_plugin("fixture"), std::nullopt, {{"thorw", "std"}}});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("CONFIG: unknown option 'thorw' (known: throw, file, delay_ms, log_file, "
                       "hold_while, warn)"),
            std::string::npos)
      << o.err;
}

TEST(CheckPlugin, FailsWhenNormalizeFails) {
  Outcome o = check({test_plugin("fixture"), test_data("fixture_models.json"), {{"throw", "std"}}});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("normalize failed: INTERNAL: told to throw std::runtime_error"),
            std::string::npos)
      << o.err;
}

TEST(CheckPlugin, FailsOnMalformedSampleBytes) {
  Outcome o = check({test_plugin("fixture"), test_data("c_ids.txt"), {}});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("normalize failed: PARSE: not a fixture catalog"), std::string::npos)
      << o.err;
}

TEST(CheckPlugin, FailsAndSaysWhyWhenAModelIsInvalid) {
  Outcome o = check({test_plugin("fixture"), test_data("fixture_one_invalid.json"), {}});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.out.find("models:      2 emitted, 1 valid, 1 invalid\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("invalid:     model '': id is missing or empty"), std::string::npos);
  EXPECT_NE(o.err.find("normalize emitted 1 invalid model(s)"), std::string::npos);
}

TEST(CheckPlugin, FailsWhenTheSampleGivesNoModels) {
  test::TempDir dir;
  std::ofstream(dir.path() / "empty.txt") << "\n";
  Outcome o = check({test_plugin("c_sample"), dir.path() / "empty.txt", {}});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("normalize produced no models"), std::string::npos) << o.err;
}

TEST(CheckPlugin, FailsOnAnUnreadableSample) {
  Outcome o = check({test_plugin("c_sample"), test_data("missing.json"), {}});
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("cannot read sample"), std::string::npos);
  // Hardening: --sample /dev/zero read without end.
  Outcome endless = check({test_plugin("c_sample"), "/dev/zero", {}});
  EXPECT_EQ(endless.status, 1);
  EXPECT_NE(endless.err.find("cannot read sample /dev/zero: not a regular file"), std::string::npos)
      << endless.err;
}

}  // namespace
}  // namespace gatehouse
