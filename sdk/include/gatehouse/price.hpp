// Prices as the ABI carries them: decimal text in USD per token ("0.0000026"), never an
// exponent and never binary noise. Upstreams send per-token strings ("0.00000045"), per-1M
// numbers (0.26) or floats that missed their decimal (2.5999999999999996 per 1M tokens);
// these turn each into that one form. Header-only, C++ standard library only.
#ifndef GATEHOUSE_PRICE_HPP
#define GATEHOUSE_PRICE_HPP

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::price {

namespace detail {
inline bool digit(char c) { return c >= '0' && c <= '9'; }

// Significant digits (no leading or trailing zeros) and `point`, the position of the
// decimal point counted from the digits' start: value = 0.<digits> * 10^point.
struct Decimal {
  std::string digits;
  long point = 0;
};

// Reads "12.5", ".5", "4.5e-7", "0"; nullopt for anything else (a sign included).
inline std::optional<Decimal> parse(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  Decimal d;
  size_t i = 0;
  long integer_digits = 0;
  bool any = false, fraction = false;
  for (; i < text.size() && (digit(text[i]) || (text[i] == '.' && !fraction)); ++i) {
    if (text[i] == '.') {
      fraction = true;
      continue;
    }
    any = true;
    if (d.digits.empty() && text[i] == '0') {
      if (fraction) --d.point;  // 0.00ddd: each zero after the point moves it left
      continue;
    }
    d.digits.push_back(text[i]);
    if (!fraction) ++integer_digits;
  }
  if (!any) return std::nullopt;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    long exponent = 0;
    const char* first = text.data() + i + 1;
    const char* last = text.data() + text.size();
    if (first < last && *first == '+' && last - first > 1 && digit(first[1])) ++first;
    auto [end, ec] = std::from_chars(first, last, exponent);
    if (ec != std::errc() || end != last || exponent > 60 || exponent < -60) return std::nullopt;
    d.point += exponent;
    i = text.size();
  }
  if (i != text.size()) return std::nullopt;
  d.point += integer_digits;
  while (!d.digits.empty() && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

// 0.<digits> * 10^point as plain decimal text: "0.0000026", "3", "1250".
inline std::string render(const Decimal& d) {
  if (d.digits.empty()) return "0";
  long n = static_cast<long>(d.digits.size());
  if (d.point <= 0) return "0." + std::string(static_cast<size_t>(-d.point), '0') + d.digits;
  if (d.point >= n) return d.digits + std::string(static_cast<size_t>(d.point - n), '0');
  return d.digits.substr(0, static_cast<size_t>(d.point)) + "." +
         d.digits.substr(static_cast<size_t>(d.point));
}
}  // namespace detail

// Decimal text (as JSON writes numbers: "0.00000045", "4.5e-7", "2") times 10^shift, as
// plain decimal text; nullopt when it is not a non-negative number or is absurdly large or
// small (more than 60 places either way). price::decimal("0.26", -6) is "0.00000026".
inline std::optional<std::string> decimal(std::string_view text, int shift = 0) {
  auto d = detail::parse(text);
  if (!d) return std::nullopt;
  d->point += shift;
  if (!d->digits.empty() && (d->point > 60 || d->point < -60)) return std::nullopt;
  return detail::render(*d);
}

// A price that arrived as a binary double, read as the decimal its author wrote: rounded
// to 15 significant digits (all a double holds), so 2.5999999999999996 is 2.6 and
// 0.12000000000000001 is 0.12, then times 10^shift. nullopt when negative or not finite.
inline std::optional<std::string> from_double(double value, int shift = 0) {
  if (!std::isfinite(value) || value < 0) return std::nullopt;
  char text[40];
  auto [end, ec] =
      std::to_chars(text, text + sizeof text, value, std::chars_format::scientific, 14);
  if (ec != std::errc()) return std::nullopt;
  return decimal(std::string_view(text, static_cast<size_t>(end - text)), shift);
}

// USD per 1M tokens (how DeepInfra, Together and the HF router price) to USD per token.
inline std::optional<std::string> per_million_to_per_token(double usd_per_million) {
  return from_double(usd_per_million, -6);
}

// True for what the ABI accepts as a price: digits, then optionally '.' and digits.
inline bool is_decimal_text(std::string_view text) {
  size_t dot = text.find('.');
  auto digits = [](std::string_view part) {
    if (part.empty()) return false;
    for (char c : part)
      if (!detail::digit(c)) return false;
    return true;
  };
  if (dot == std::string_view::npos) return digits(text);
  return digits(text.substr(0, dot)) && digits(text.substr(dot + 1));
}

}  // namespace gatehouse::price

#endif  // GATEHOUSE_PRICE_HPP
