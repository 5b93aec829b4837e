// Secrets out of text (header-only, C++ standard library only). An upstream may echo the
// key it was sent: in an error body, a next-page link, a redirect's Location. Whatever a
// plugin or the host then writes (an error, a warning, a log line) is public in
// /v1/catalog/gateways and in the log, so it goes through one Redactor: the SDK's
// HttpResponse::failure() and the host (for every text of a gateway) share this rule.
#ifndef GATEHOUSE_REDACT_HPP
#define GATEHOUSE_REDACT_HPP

#include <gatehouse/text.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

class Redactor {
 public:
  static constexpr std::string_view mark = "<redacted>";
  // Shorter secrets are not redacted: a 1-3 byte value would turn every text into noise
  // (and no redaction protects a secret that short: it can be guessed).
  static constexpr size_t min_secret_bytes = 4;
  // Shorter secrets are redacted only where they stand alone, not inside a longer run of
  // letters and digits: "sk-1" in "api_key=sk-1&x", not "abcd" in "abcdef".
  static constexpr size_t whole_word_below = 8;
  // A plugin whose headers change on every request (a signature, say) cannot grow this
  // without bound: past it nothing more is learned, and the first secrets (the gateway's
  // keys, from its options and its first request) stay.
  static constexpr size_t max_secrets = 64;

  // Adds a secret; one too short, or known already, changes nothing.
  void add(std::string_view secret) {
    if (secret.size() < min_secret_bytes || secrets_.size() == max_secrets) return;
    if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
    // Longest first, so "Bearer sk-..." reads "<redacted>", not "Bearer <redacted>".
    auto at = std::find_if(secrets_.begin(), secrets_.end(),
                           [&](const std::string& s) { return s.size() < secret.size(); });
    secrets_.emplace(at, secret);
  }

  // A request header's secrets: its whole value and its last word ("Bearer sk-..." and
  // "sk-..."). Accept and Accept-Language say nothing about who asks: they are skipped.
  void add_header(std::string_view name, std::string_view value) {
    if (iequals(name, "Accept") || iequals(name, "Accept-Language")) return;
    add(value);
    add(value.substr(value.rfind(' ') + 1));
  }

  bool empty() const { return secrets_.empty(); }
  size_t size() const { return secrets_.size(); }

  // `text` with every secret, as it is, percent-encoded (any byte as %XX in either case,
  // a space as '+') or JSON-escaped (\uXXXX, \/), replaced by mark.
  std::string redact(std::string_view text) const {
    if (secrets_.empty()) return std::string(text);
    std::string out;
    out.reserve(text.size());
    for (size_t at = 0; at < text.size();) {
      size_t length = 0;
      for (size_t i = 0; i < secrets_.size() && length == 0; ++i)
        length = match(text, at, secrets_[i]);
      if (length == 0) {
        out += text[at++];
        continue;
      }
      out += mark;
      at += length;
    }
    return out;
  }

 private:
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  static bool word_byte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  // The bytes of text from `at` that spell secret, or 0 when they do not.
  static size_t match(std::string_view text, size_t at, std::string_view secret) {
    size_t i = at;
    for (char c : secret) {
      size_t taken = spelled(text, i, static_cast<unsigned char>(c));
      if (taken == 0) return 0;
      i += taken;
    }
    if (secret.size() < whole_word_below &&
        ((at > 0 && word_byte(text[at - 1])) || (i < text.size() && word_byte(text[i]))))
      return 0;
    return i - at;
  }

  // How many bytes of text from i spell the byte c: as it is, as %XX, '+' for a space, or
  // a JSON escape (\uXXXX, \/: an error body is often JSON, and encoders escape '/' or
  // '&'); 0 when they do not.
  static size_t spelled(std::string_view text, size_t i, unsigned char c) {
    if (i >= text.size()) return 0;
    if (static_cast<unsigned char>(text[i]) == c || (c == ' ' && text[i] == '+')) return 1;
    if (text[i] == '%' && hex_value(text.substr(i + 1), 2) == c) return 3;
    if (text[i] != '\\' || i + 1 >= text.size()) return 0;
    if (static_cast<unsigned char>(text[i + 1]) == c && (c == '/' || c == '"' || c == '\\'))
      return 2;
    if (text[i + 1] == 'u' && c < 0x80 && hex_value(text.substr(i + 2), 4) == c) return 6;
    return 0;
  }

  // The number the first `digits` bytes of text spell in hex, or -1.
  static int hex_value(std::string_view text, size_t digits) {
    if (text.size() < digits) return -1;
    int value = 0;
    for (size_t k = 0; k < digits; ++k) {
      int d = hex(text[k]);
      if (d < 0) return -1;
      value = value * 16 + d;
    }
    return value;
  }

  std::vector<std::string> secrets_;  // longest first
};

}  // namespace gatehouse

#endif  // GATEHOUSE_REDACT_HPP
