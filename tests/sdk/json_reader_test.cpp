// The SDK's JsonReader: errors that say where, and no parse buffers held after a big read.
// (Under ASan the heap is not malloc's, so the memory test is skipped and its helpers unused.)
#include <gtest/gtest.h>
#include <gatehouse/json_reader.hpp>

#include <malloc.h>

namespace {

[[maybe_unused]] size_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

[[maybe_unused]] std::string array_of(size_t bytes) {
  std::string json = "[";
  while (json.size() < bytes) json += "\"0123456789abcdef0123456789abcdef\",";
  json.back() = ']';
  return json;
}

size_t count_items(gatehouse::JsonReader& reader, const std::string& json) {
  size_t items = 0;
  reader.read(json, "the page", "a JSON array", [&](simdjson::ondemand::document& doc) {
    for (auto item : doc.get_array()) items += !std::string_view(item.get_string()).empty();
  });
  return items;
}

// A plugin that read one 50 MB answer must not hold its buffers until the next fetch:
// found holding a 55 MB copy of a 101k-model Hub page after the fetch (`buffer_ = {}`
// kept the vector's capacity).
TEST(JsonReader, GivesBackTheBuffersOfAReadPastKeptBytes) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan's allocator does not report through mallinfo2";
#else
  std::string big = array_of(gatehouse::JsonReader::kept_bytes + (size_t(4) << 20));
  gatehouse::JsonReader reader;
  size_t before = heap_in_use();
  EXPECT_GT(count_items(reader, big), 300000u);
  EXPECT_LT(heap_in_use(), before + (size_t(1) << 20)) << "kept after the read";

  std::string small = array_of(size_t(1) << 20);
  count_items(reader, small);
  size_t kept = heap_in_use();
  EXPECT_GT(kept, before + small.size()) << "a small page's buffer is kept for the next";
  count_items(reader, small);
  EXPECT_LE(heap_in_use(), kept) << "and reused, not grown";
#endif
}

TEST(JsonReader, AFailureNamesWhereAndWhatAndTheByte) {
  gatehouse::JsonReader reader;
  try {
    count_items(reader, "[\"a\", 7]");
    FAIL() << "a number is not a string";
  } catch (const gatehouse::Error& e) {
    EXPECT_EQ(e.status(), GATEHOUSE_ERR_PARSE);
    EXPECT_NE(std::string(e.what()).find("the page is not a JSON array at byte 6"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
