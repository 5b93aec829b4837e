// gatehouse/price.hpp: every upstream's price becomes plain decimal text in USD per token.
#include <gtest/gtest.h>
#include <gatehouse/price.hpp>

namespace {

using gatehouse::price::decimal;
using gatehouse::price::from_double;
using gatehouse::price::is_decimal_text;
using gatehouse::price::per_million_to_per_token;

TEST(Price, DecimalTextKeepsItsValueInPlainForm) {
  EXPECT_EQ(decimal("0.00000045"), "0.00000045");
  EXPECT_EQ(decimal("0"), "0");
  EXPECT_EQ(decimal("0.000"), "0");
  EXPECT_EQ(decimal("12.50"), "12.5");
  EXPECT_EQ(decimal("100"), "100");
  EXPECT_EQ(decimal(".5"), "0.5");
  EXPECT_EQ(decimal("007"), "7");
  EXPECT_EQ(decimal("0.0000000833333333333333"), "0.0000000833333333333333");
}

TEST(Price, ExponentsBecomePlainDecimals) {
  EXPECT_EQ(decimal("4.5e-7"), "0.00000045");
  EXPECT_EQ(decimal("4.5E-7"), "0.00000045");
  EXPECT_EQ(decimal("1e+2"), "100");
  EXPECT_EQ(decimal("1.25e1"), "12.5");
}

TEST(Price, ShiftMovesTheDecimalPoint) {
  EXPECT_EQ(decimal("0.26", -6), "0.00000026");
  EXPECT_EQ(decimal("15", -6), "0.000015");
  EXPECT_EQ(decimal("0", -6), "0");
  EXPECT_EQ(decimal("0.0000025", 6), "2.5");
}

TEST(Price, WhatIsNotANonNegativeNumberIsRefused) {
  for (const char* bad : {"",
                          "-1",
                          "-0.5",
                          "abc",
                          "1.2.3",
                          ".",
                          "e5",
                          "1e",
                          "1e+",
                          "1e+-7",
                          "0x10",
                          " 1",
                          "1 ",
                          "1e999",
                          "NaN",
                          "inf",
                          "+1",
                          "1e-9223372036854775808",
                          "1e9223372036854775807",
                          "1e99999999999999999999"})
    EXPECT_EQ(decimal(bad), std::nullopt) << bad;
  EXPECT_EQ(decimal(std::string(65, '1')), std::nullopt) << "more than 64 characters";
}

// DeepInfra's per-1M floats, as recorded: what its authors wrote, without the noise.
TEST(Price, BinaryNoiseIsRoundedAway) {
  EXPECT_EQ(per_million_to_per_token(2.5999999999999996), "0.0000026");
  EXPECT_EQ(per_million_to_per_token(0.12000000000000001), "0.00000012");
  EXPECT_EQ(per_million_to_per_token(0.38999999999999996), "0.00000039");
  EXPECT_EQ(per_million_to_per_token(0.029999999700000002), "0.0000000299999997");
  EXPECT_EQ(per_million_to_per_token(0.26), "0.00000026");
  EXPECT_EQ(per_million_to_per_token(1), "0.000001");
  EXPECT_EQ(per_million_to_per_token(0), "0");
  EXPECT_EQ(from_double(0.1 + 0.2), "0.3");
  EXPECT_EQ(from_double(1234567.0), "1234567");
}

TEST(Price, NegativeAndNonFiniteDoublesAreRefused) {
  EXPECT_EQ(from_double(-1.0), std::nullopt);
  EXPECT_EQ(from_double(std::numeric_limits<double>::infinity()), std::nullopt);
  EXPECT_EQ(from_double(std::numeric_limits<double>::quiet_NaN()), std::nullopt);
}

TEST(Price, DecimalTextIsDigitsWithAnOptionalFraction) {
  for (const char* good : {"0", "0.0000026", "12", "12.50"}) EXPECT_TRUE(is_decimal_text(good));
  for (const char* bad : {"", ".5", "5.", "-1", "1e-7", "1.2.3", " 1", "0x1", "null"})
    EXPECT_FALSE(is_decimal_text(bad)) << bad;
}

}  // namespace
