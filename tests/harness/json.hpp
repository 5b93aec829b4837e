// Reading JSON responses in tests, with simdjson's DOM.
#pragma once

#include <simdjson.h>

#include <string>
#include <vector>

namespace gatehouse::test {

// Owns the parser and the bytes, so elements stay valid as long as this lives.
class Json {
 public:
  explicit Json(const std::string& text) : text_(text) { root_ = parser_.parse(text_).value(); }
  simdjson::dom::element operator[](std::string_view key) const { return root_[key].value(); }
  simdjson::dom::element root() const { return root_; }

  // The elements of an array member (a named array, not a temporary, for the loop).
  std::vector<simdjson::dom::element> items(std::string_view key) const {
    simdjson::dom::array array = root_[key].get_array().value();
    return std::vector<simdjson::dom::element>(array.begin(), array.end());
  }

  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (auto m : items("data")) out.emplace_back(std::string_view(m["id"].get_string().value()));
    return out;
  }

 private:
  std::string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

}  // namespace gatehouse::test
