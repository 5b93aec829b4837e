// Reading upstream bytes with simdjson On-Demand, for plugins that use simdjson. Such a
// plugin links simdjson itself; the rest of the SDK needs only the C++ standard library.
#ifndef GATEHOUSE_JSON_READER_HPP
#define GATEHOUSE_JSON_READER_HPP

#include <gatehouse/plugin.hpp>
#include <gatehouse/price.hpp>
#include <gatehouse/text.hpp>

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// For a field or value taken when it is there with the expected type: true on success;
// false when it is missing, of another type, or a number out of range. Any other error
// means broken bytes, after which simdjson's iterator must not be used (it dereferences a
// null parser), so it is thrown, for JsonReader::read to report with its byte offset.
inline bool found(simdjson::error_code error) {
  switch (error) {
    case simdjson::SUCCESS: return true;
    case simdjson::NO_SUCH_FIELD:
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return false;
    default: throw simdjson::simdjson_error(error);
  }
}

// Walks `object`'s fields to the one named `key` and sets `value` to it; false when there is
// none. Use it (or one loop over the fields) instead of simdjson's find_field_unordered(): in
// simdjson 3.0 that reaches an "unreachable" point, undefined behaviour, on some broken input
// its first pass lets through (found by fuzzing), where walking the fields reports the error.
// The walk consumes the object up to that field: for several keys, loop over the fields once.
inline bool field_of(simdjson::ondemand::object& object, std::string_view key,
                     simdjson::ondemand::value& value) {
  for (auto field : object) {
    std::string_view name = field.unescaped_key();
    if (name == key) return found(field.value().get(value));
  }
  return false;
}

// A string value as a view into the parser (valid until it parses again), or an absent
// (null-data) view when the value is null or not a string.
inline std::string_view string_or_absent(simdjson::ondemand::value v) {
  std::string_view s;
  return found(v.get_string().get(s)) ? s : std::string_view();
}

// A whole number, also when written 12.0 or 1.2e3; nullopt for anything else.
inline std::optional<int64_t> integer_or_absent(simdjson::ondemand::value v) {
  int64_t i;
  if (found(v.get_int64().get(i))) return i;
  double d;
  if (found(v.get_double().get(d)) && d >= 0 && d < 9.2e18 &&
      d == static_cast<double>(static_cast<int64_t>(d)))
    return static_cast<int64_t>(d);
  return std::nullopt;
}

// Appends the non-empty strings of an array value to out, skipping items of other types.
inline void append_strings(simdjson::ondemand::value v, std::vector<std::string_view>& out) {
  simdjson::ondemand::array items;
  if (!found(v.get_array().get(items))) return;
  for (auto item : items) {
    std::string_view s;
    if (found(item.get_string().get(s)) && !s.empty()) out.push_back(s);
  }
}

// A price from a JSON string or number, times 10^shift (-6 for a price per 1M tokens), as
// the decimal text the ABI carries; nullopt when it is not a number. A negative price is
// `variable` (OpenRouter's "-1": a router's price is that of the model it picks): no price,
// but the fact is kept.
struct JsonPrice {
  std::optional<std::string> text;
  bool variable = false;
};
inline JsonPrice price_from_text(std::string_view s, int shift = 0) {
  bool negative = s.starts_with('-');
  std::optional<std::string> text = price::decimal(negative ? s.substr(1) : s, shift);
  if (negative && text && *text != "0") return {std::nullopt, true};
  return {text};
}
inline JsonPrice price_of(simdjson::ondemand::value v, int shift = 0) {
  std::string_view s;
  double d;
  if (found(v.get_string().get(s))) return price_from_text(s, shift);
  if (found(v.get_double().get(d))) {
    if (d < 0) return {std::nullopt, true};
    return {price::from_double(d, shift)};
  }
  return {};
}

// The modality fields of an OpenRouter-style `architecture` object: "modality"
// ("text+image->text") and the lists "input_modalities" and "output_modalities".
class ModalityFields {
 public:
  // Reads `key` when it is one of the three; false for any other key.
  bool read(std::string_view key, simdjson::ondemand::value v) {
    if (key == "modality")
      modality_ = string_or_absent(v);
    else if (key == "input_modalities")
      append_strings(v, inputs_);
    else if (key == "output_modalities")
      append_strings(v, outputs_);
    else
      return false;
    return true;
  }

  // Gives m the lists (else those of the modality string), at most ModelSink::max_modalities
  // each. They point into this object and the parser: emit before either changes.
  void apply(Model& m) {
    if (inputs_.empty() && outputs_.empty()) {
      ModalityLists split = split_modality(modality_);
      inputs_ = std::move(split.inputs);
      outputs_ = std::move(split.outputs);
    }
    m.input_modalities = at_most(inputs_);
    m.output_modalities = at_most(outputs_);
  }

 private:
  static std::span<const std::string_view> at_most(const std::vector<std::string_view>& list) {
    return std::span<const std::string_view>(list).first(
        std::min(list.size(), ModelSink::max_modalities));
  }

  std::string_view modality_;
  std::vector<std::string_view> inputs_, outputs_;
};

class JsonReader {
 public:
  // Iterates `bytes` and hands the document to body(simdjson::ondemand::document&). A
  // simdjson error thrown on the way becomes gatehouse::Error(GATEHOUSE_ERR_PARSE,
  // "<where> is not <what> at byte <n>: <reason>"); other exceptions pass unchanged.
  // The bytes are copied into a padded buffer this reader keeps: a fresh 2 MB buffer per
  // page costs more in page faults than the copy itself. Past kept_bytes, the buffer and
  // the parser's own (several times the input) are given back after the read: a plugin
  // that read one 50 MB answer must not hold 150 MB until its next fetch.
  static constexpr size_t kept_bytes = size_t(8) << 20;

  template <class Body>
  void read(std::string_view bytes, std::string_view where, std::string_view what, Body&& body) {
    if (buffer_.size() < bytes.size() + simdjson::SIMDJSON_PADDING)
      buffer_.resize(bytes.size() + simdjson::SIMDJSON_PADDING);
    std::copy(bytes.begin(), bytes.end(), buffer_.begin());
    struct Release {
      JsonReader& reader;
      ~Release() {
        if (reader.buffer_.size() <= kept_bytes) return;
        std::vector<char>().swap(reader.buffer_);  // `= {}` would keep the capacity
        reader.parser_ = simdjson::ondemand::parser();
      }
    } release{*this};
    simdjson::ondemand::document doc;
    bool started = false;
    try {
      doc = parser_.iterate(buffer_.data(), bytes.size(), buffer_.size());
      started = true;
      body(doc);
    } catch (const simdjson::simdjson_error& e) {
      // Before the document starts, stage 1 failed: for a truncated page, at its end. A
      // document that ends early puts the iterator back at its start: say the end there too.
      const char* at = nullptr;
      bool located = started && e.error() != simdjson::INCOMPLETE_ARRAY_OR_OBJECT &&
                     doc.current_location().get(at) == simdjson::SUCCESS;
      size_t offset = located ? static_cast<size_t>(at - buffer_.data()) : bytes.size();
      throw Error(GATEHOUSE_ERR_PARSE, std::string(where) + " is not " + std::string(what) +
                                           " at byte " + std::to_string(offset) + ": " + e.what());
    }
  }

 private:
  simdjson::ondemand::parser parser_;
  std::vector<char> buffer_;
};

}  // namespace gatehouse

#endif  // GATEHOUSE_JSON_READER_HPP
