// The rule every answer keeps: a price is decimal text in USD per token, or null.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>
#include <gatehouse/price.hpp>

#include <string>

namespace gatehouse::test {

// Every string under a "pricing" or "pricing_overrides" key, at any depth, of one model's
// (or one response's) JSON.
inline void expect_prices_are_decimal_text(const std::string& json, const std::string& where) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json).value();
  auto walk = [&](auto& self, simdjson::dom::element e, bool in_pricing) -> void {
    switch (e.type()) {
      case simdjson::dom::element_type::OBJECT:
        for (auto [key, value] : e.get_object())
          self(self, value, in_pricing || key == "pricing" || key == "pricing_overrides");
        break;
      case simdjson::dom::element_type::ARRAY:
        for (auto item : e.get_array()) self(self, item, in_pricing);
        break;
      case simdjson::dom::element_type::STRING:
        if (in_pricing) {
          EXPECT_TRUE(price::is_decimal_text(e.get_string().value()))
              << where << ": price " << e << " is not decimal text";
        }
        break;
      default: break;
    }
  };
  walk(walk, root, false);
}

}  // namespace gatehouse::test
