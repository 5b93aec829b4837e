// The one rule that keeps secrets out of texts (hardening P7), shared by the SDK's
// HttpResponse::failure() and the host.
#include <gatehouse/redact.hpp>

#include <gtest/gtest.h>

namespace gatehouse {
namespace {

Redactor of(std::initializer_list<std::string_view> secrets) {
  Redactor r;
  for (std::string_view s : secrets) r.add(s);
  return r;
}

TEST(Redactor, ASecretIsRedactedAsItIsAndPercentEncoded) {
  Redactor r = of({"sk-or/v1+Q== x"});
  EXPECT_EQ(r.redact("key sk-or/v1+Q== x, sk-or%2Fv1%2BQ%3D%3D%20x and sk-or%2fv1%2bQ%3d%3d+x"),
            "key <redacted>, <redacted> and <redacted>");
  EXPECT_EQ(r.redact("%73%6B%2d%6f%72%2Fv1+Q%3D= x!"), "<redacted>!") << "any byte encoded";
  EXPECT_EQ(r.redact("sk-or/v1+Q="), "sk-or/v1+Q=") << "a part is not the secret";
  EXPECT_EQ(r.redact("100%, %zz, %"), "100%, %zz, %");
}

TEST(Redactor, ASecretIsRedactedJsonEscaped) {
  Redactor r = of({"sk/or&\"1"});
  EXPECT_EQ(r.redact(R"({"error":"bad key sk\/or\u0026\"1 and \u0073k/or&\"\u0031"})"),
            R"({"error":"bad key <redacted> and <redacted>"})");
  EXPECT_EQ(Redactor(of({"caf\xc3\xa9-key"})).redact("caf\\u00c3\\u00a9-key"),
            "caf\\u00c3\\u00a9-key")
      << "a \\u escape is a character, not a byte of UTF-8";
}

TEST(Redactor, TheLongestSecretGoesFirst) {
  Redactor r;
  r.add_header("Authorization", "Bearer sk-or-SECRET1");
  EXPECT_EQ(r.redact("Invalid: Bearer sk-or-SECRET1 (sk-or-SECRET1)"),
            "Invalid: <redacted> (<redacted>)");
}

TEST(Redactor, AcceptHeadersAreNoSecrets) {
  Redactor r;
  r.add_header("Accept", "application/json");
  r.add_header("accept-language", "en-US");
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.redact("not application/json"), "not application/json");
}

// The decision on short secrets: under 4 bytes nothing (it would make every text noise,
// and no redaction keeps a secret that short), 4 to 7 bytes only as a whole word.
TEST(Redactor, ShortSecretsAreRedactedOnlyWhereTheyStandAlone) {
  Redactor r = of({"x", "ab3", "sk-1"});
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(r.redact("x ab3 ?api_key=sk-1&a=1 sk-10 ask-1 sk-1"),
            "x ab3 ?api_key=<redacted>&a=1 sk-10 ask-1 <redacted>");
  Redactor long_one = of({"sk-12345"});
  EXPECT_EQ(long_one.redact("xsk-12345y"), "x<redacted>y");
}

TEST(Redactor, NothingToRedactLeavesTheTextAsItIs) {
  EXPECT_EQ(Redactor().redact("any text"), "any text");
  Redactor r = of({"abcdefgh"});
  r.add("abcdefgh");
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(r.redact(""), "");
  EXPECT_EQ(r.redact("abcdefg"), "abcdefg");
}

TEST(Redactor, ItLearnsAtMostMaxSecretsAndKeepsTheFirst) {
  Redactor r;
  for (size_t i = 0; i < Redactor::max_secrets + 10; ++i) r.add("secret-" + std::to_string(i));
  EXPECT_EQ(r.size(), Redactor::max_secrets);
  EXPECT_EQ(r.redact("secret-0"), "<redacted>");
}

}  // namespace
}  // namespace gatehouse
