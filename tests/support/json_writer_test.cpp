// The host's JSON writer: structure, commas, and the UTF-8 it refuses or repairs.
#include "support/json_writer.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace gatehouse {
namespace {

TEST(JsonWriter, WritesNestedValuesWithCommasWhereTheyBelong) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("a").integer(-1);
  json.key("b").begin_array().string("x").null().boolean(false).integer_or_null(std::nullopt);
  json.begin_object().end_object().begin_array().end_array().end_array();
  json.key("c").string_or_null(std::string_view()).key("d").string_or_null("");
  json.key("e").raw("{\"k\":[1,2]}");
  json.end_object();
  EXPECT_EQ(out, R"({"a":-1,"b":["x",null,false,null,{},[]],"c":null,"d":"","e":{"k":[1,2]}})");
  simdjson::dom::parser parser;
  EXPECT_EQ(parser.parse(out).error(), simdjson::SUCCESS);
}

TEST(JsonWriter, ContinuesWhatAnotherWriterOrAFragmentBegan) {
  std::string out = "{\"data\":[1,2]";
  JsonWriter(out).key("total").integer(2).end_object();
  EXPECT_EQ(out, R"({"data":[1,2],"total":2})");
  std::string rest = ",";
  JsonWriter(rest).key("x").integer(1);
  EXPECT_EQ(rest, R"(,"x":1)");
  std::string lines = "[1,\n";
  JsonWriter(lines).integer(2).end_array();
  EXPECT_EQ(lines, "[1,\n2]") << "whitespace written for the eye does not count";
}

TEST(JsonWriter, EscapesStringsAndRefusesWhatIsNotUtf8) {
  std::string out;
  JsonWriter json(out);
  json.string("q\"\\\n\x01 Ω");
  EXPECT_EQ(out, "\"q\\\"\\\\\\n\\u0001 Ω\"");
  EXPECT_THROW(json.string("bad \xff byte"), InvalidUtf8);
  EXPECT_THROW(json.key("\xc3"), InvalidUtf8);
  EXPECT_EQ(out, "\"q\\\"\\\\\\n\\u0001 Ω\"") << "nothing written on refusal";
}

TEST(JsonWriter, ForeignTextIsRepairedByteByByte) {
  EXPECT_EQ(to_valid_utf8("fine Ω"), "fine Ω");
  EXPECT_EQ(to_valid_utf8("a\xff"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(to_valid_utf8("cut \xce"), "cut \xEF\xBF\xBD") << "a sequence cut at the end";
  EXPECT_EQ(to_valid_utf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD")
      << "a surrogate is not UTF-8";
  EXPECT_TRUE(is_valid_utf8(to_valid_utf8(std::string("\x80\xc0\xaf\xf8\x88\x80\x80\x80z"))));
}

}  // namespace
}  // namespace gatehouse
