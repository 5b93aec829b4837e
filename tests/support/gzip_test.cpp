// gzip streams, whole and joined from parts deflated ahead of time.
#include "support/gzip.hpp"
#include "harness/test_client.hpp"

#include <gtest/gtest.h>

#include <random>

namespace gatehouse {
namespace {

std::string random_json_like(size_t size) {
  std::mt19937 rng(7);
  std::string out;
  for (size_t i = 0; i < size; ++i) out.push_back("abcdefgh{}\",:0123"[rng() % 17]);
  return out;
}

TEST(Gzip, WholeAndJoinedStreamsDecompressToTheirInput) {
  std::string big = random_json_like(300000);
  for (std::string_view head :
       {std::string_view(), std::string_view("{\"data\":"), std::string_view(big)}) {
    for (std::string_view middle : {std::string_view(), std::string_view(big).substr(0, 70000)}) {
      DeflatedPart first(head), second(middle);
      const DeflatedPart* parts[] = {&first, &second};
      for (std::string_view tail : {std::string_view(), std::string_view(",\"timestamp\":1}")}) {
        std::string whole = std::string(head) + std::string(middle) + std::string(tail);
        EXPECT_EQ(test::gunzip(gzip_join(parts, tail)), whole);
        EXPECT_EQ(test::gunzip(gzip(whole)), whole);
      }
    }
  }
}

// Deflate writes its output a 64 KB piece at a time: incompressible input whose output ends
// on, just before and just after a piece's end, in one piece and in several.
TEST(Gzip, OutputThatFillsWholePiecesIsComplete) {
  std::mt19937 rng(11);
  std::string noise;
  for (size_t i = 0; i < 200000; ++i) noise.push_back(static_cast<char>(rng()));
  for (size_t around : {size_t(65536), size_t(3 * 65536)})
    for (size_t size = around - 80; size <= around + 16; ++size) {
      std::string_view text = std::string_view(noise).substr(0, std::min(size, noise.size()));
      DeflatedPart part(text);
      const DeflatedPart* parts[] = {&part};
      ASSERT_EQ(test::gunzip(gzip_join(parts, "")), text) << size;
      ASSERT_EQ(test::gunzip(gzip(text)), text) << size;
    }
}

TEST(Gzip, GunzipRefusesWhatIsNotOneWholeStreamOrGrowsTooLarge) {
  std::string text = random_json_like(100000);
  std::string zipped = gzip(text), out;
  EXPECT_TRUE(gunzip(zipped, text.size(), out));
  EXPECT_EQ(out, text);
  EXPECT_FALSE(gunzip(zipped.substr(0, zipped.size() / 2), SIZE_MAX, out)) << "truncated";
  EXPECT_FALSE(gunzip(zipped + "x", SIZE_MAX, out)) << "trailing bytes";
  EXPECT_FALSE(gunzip("not gzip at all", SIZE_MAX, out));
  EXPECT_FALSE(gunzip(zipped, text.size() - 1, out)) << "past the limit";
  EXPECT_GT(out.size(), text.size() - 1);
}

}  // namespace
}  // namespace gatehouse
