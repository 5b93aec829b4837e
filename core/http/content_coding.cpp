#include "http/content_coding.hpp"

#include <gatehouse/text.hpp>

#include <optional>

namespace gatehouse {
namespace {

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<int> qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  int whole = text[0] - '0', thousandths = 0, digits = 0;
  if (text.size() > 1) {
    if (text[1] != '.' || text.size() > 5) return std::nullopt;
    for (char c : text.substr(2)) {
      if (c < '0' || c > '9' || (whole == 1 && c != '0')) return std::nullopt;
      thousandths = thousandths * 10 + (c - '0');
      ++digits;
    }
    for (; digits < 3; ++digits) thousandths *= 10;
  }
  return whole * 1000 + thousandths;
}

// The weight of one element of the list: its q parameter, else 1000; nullopt if malformed.
std::optional<int> weight_of(std::string_view params) {
  while (!params.empty()) {
    params.remove_prefix(1);  // the ';'
    std::string_view param = trimmed(params.substr(0, params.find(';')));
    params.remove_prefix(std::min(params.size(), params.find(';')));
    if (param.size() >= 2 && iequals(param.substr(0, 2), "q=")) return qvalue(param.substr(2));
  }
  return 1000;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<int> gzip, any;
  while (!accept_encoding.empty()) {
    std::string_view element = accept_encoding.substr(0, accept_encoding.find(','));
    accept_encoding.remove_prefix(std::min(accept_encoding.size(), element.size() + 1));
    size_t semicolon = element.find(';');
    std::string_view coding = trimmed(element.substr(0, semicolon));
    std::optional<int> weight =
        weight_of(semicolon == std::string_view::npos ? "" : element.substr(semicolon));
    int q = weight.value_or(0);
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
      gzip = std::max(gzip.value_or(0), q);
    else if (coding == "*")
      any = q;
  }
  return gzip ? *gzip > 0 : any.value_or(0) > 0;
}

}  // namespace gatehouse
