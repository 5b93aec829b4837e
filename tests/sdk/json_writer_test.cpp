// The SDK's JSON writer, which both plugins and the host use for every string they emit.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <gatehouse/json_writer.hpp>

#include <random>

namespace {

// The obvious byte-at-a-time escaping, to hold the word-at-a-time one to.
std::string reference(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\b')
      out += "\\b";
    else if (c == '\f')
      out += "\\f";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else
      out += static_cast<char>(c);
  }
  return out + "\"";
}

TEST(JsonWriter, EscapesLikeTheByteAtATimeReference) {
  std::mt19937 rng(42);
  const std::string alphabet = std::string("abcXYZ09 \"\\\n\t\x01\x1f\x7f") + "é古α";
  for (int round = 0; round < 5000; ++round) {
    std::string text;
    for (size_t n = rng() % 40; n > 0; --n) text.push_back(alphabet[rng() % alphabet.size()]);
    std::string out;
    gatehouse::json::append_string(out, text);
    ASSERT_EQ(out, reference(text)) << round;
  }
}

TEST(JsonWriter, ObjectWriterMakesAnObjectSimdjsonReadsBack) {
  gatehouse::json::ObjectWriter w;
  w.reset();
  std::string_view tags[] = {"ÚFAL", "a\"b"};
  std::string json = w.string("s", "x\ny")
                         .string_or_null("absent", std::string_view())
                         .integer("n", -5)
                         .integer("unknown", std::nullopt)
                         .boolean("b", true)
                         .strings("tags", tags)
                         .raw("list", "[1,2]")
                         .finish();
  EXPECT_EQ(
      json,
      R"({"s":"x\ny","absent":null,"n":-5,"unknown":null,"b":true,"tags":["ÚFAL","a\"b"],"list":[1,2]})");
  simdjson::dom::parser parser;
  EXPECT_EQ(std::string_view(parser.parse(json)["tags"].at(1).get_string().value()), "a\"b");
}

}  // namespace
