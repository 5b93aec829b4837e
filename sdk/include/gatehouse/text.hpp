// ASCII text helpers shared by plugins and the host (header-only, C++ standard library only).
#ifndef GATEHOUSE_TEXT_HPP
#define GATEHOUSE_TEXT_HPP

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// Only A-Z change: ids and names compare case-insensitively byte for byte, whatever the
// locale, and UTF-8 beyond ASCII is left as it is.
inline std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "a, b,,c" -> {"a", "b", "c"}: the list syntax of options (config.toml's arrays of
// strings arrive comma-joined, and the host refuses items that hold a ',').
inline std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::string_view item = text.substr(0, text.find(','));
    text.remove_prefix(std::min(text.size(), item.size() + 1));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

// "text+image->text" (the form `modality` takes in the catalog and at OpenRouter) into its
// input and output lists, as views into `modality`; empty lists when it has no "->".
struct ModalityLists {
  std::vector<std::string_view> inputs, outputs;
};
inline ModalityLists split_modality(std::string_view modality) {
  ModalityLists lists;
  size_t arrow = modality.find("->");
  if (arrow == std::string_view::npos) return lists;
  auto split = [](std::string_view side, std::vector<std::string_view>& out) {
    while (!side.empty()) {
      std::string_view item = side.substr(0, side.find('+'));
      if (!item.empty()) out.push_back(item);
      side.remove_prefix(std::min(side.size(), item.size() + 1));
    }
  };
  split(modality.substr(0, arrow), lists.inputs);
  split(modality.substr(arrow + 2), lists.outputs);
  return lists;
}

// Whether `id` has the shape of a Hugging Face repo id, "owner/name": one '/', both parts
// non-empty, of letters, digits and - _ . (what the Hub allows), and neither part "." or
// "..". Plugins use it to tell which upstream ids are Hub repos (canonical ids).
inline bool is_hub_repo_id(std::string_view id) {
  size_t slash = id.find('/');
  if (slash == std::string_view::npos || id.size() > 200) return false;
  std::string_view owner = id.substr(0, slash), name = id.substr(slash + 1);
  auto part = [](std::string_view p) {
    return !p.empty() && p != "." && p != ".." && std::all_of(p.begin(), p.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_' || c == '.';
    });
  };
  return part(owner) && part(name);
}

// At most max_bytes of text, cut where a character begins (never inside a UTF-8
// sequence), with CR, LF and other control bytes as spaces: an upstream's words fit for
// one line of an error message.
inline std::string one_line_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) {
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  std::string out(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

}  // namespace gatehouse

#endif  // GATEHOUSE_TEXT_HPP
