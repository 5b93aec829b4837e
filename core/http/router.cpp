#include "http/router.hpp"

#include <stdexcept>

namespace gatehouse {
namespace {

std::vector<std::string> segments_of(std::string_view pattern) {
  if (!pattern.starts_with('/')) throw std::invalid_argument("a route pattern starts with '/'");
  std::vector<std::string> out;
  for (pattern.remove_prefix(1);; pattern.remove_prefix(out.back().size() + 1)) {
    out.emplace_back(pattern.substr(0, pattern.find('/')));
    if (out.back().size() == pattern.size()) return out;
  }
}

bool is_capture(std::string_view segment) {
  return segment.starts_with('{') && segment.ends_with('}');
}
bool is_rest(std::string_view segment) { return is_capture(segment) && segment.ends_with("...}"); }

}  // namespace

void Router::add(std::string_view method, std::string_view pattern, Route route, Handler handler) {
  std::vector<std::string> segments = segments_of(pattern);
  for (size_t i = 0; i + 1 < segments.size(); ++i)
    if (is_rest(segments[i])) throw std::invalid_argument("'{name...}' must end a route pattern");
  entries_.push_back(
      {std::string(method), std::string(pattern), std::move(segments), route, std::move(handler)});
}

bool Router::match_path(const Entry& entry, std::string_view path, std::vector<std::string>& args) {
  args.clear();
  if (!path.starts_with('/')) return false;
  path.remove_prefix(1);
  for (size_t i = 0; i < entry.segments.size(); ++i) {
    const std::string& segment = entry.segments[i];
    if (is_rest(segment)) {
      if (path.empty()) return false;
      args.emplace_back(path);
      return true;
    }
    std::string_view part = path.substr(0, path.find('/'));
    bool last = i + 1 == entry.segments.size();
    if (is_capture(segment) ? part.empty() : part != segment) return false;
    if (is_capture(segment)) args.emplace_back(part);
    if (last) return part.size() == path.size();
    if (part.size() == path.size()) return false;  // the path ends before the pattern
    path.remove_prefix(part.size() + 1);
  }
  return false;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match found;
  std::vector<std::string> args;
  // HEAD is GET without the body (RFC 9110 9.3.2): every GET route takes it.
  std::string_view wanted = method == "HEAD" ? "GET" : method;
  for (const Entry& entry : entries_) {
    if (!match_path(entry, path, args)) continue;
    found.route = entry.route;
    if (entry.method == wanted) {
      found.handler = &entry.handler;
      found.args = std::move(args);
      return found;
    }
    found.allowed.append(found.allowed.empty() ? "" : ", ").append(entry.method);
    if (entry.method == "GET") found.allowed.append(", HEAD");
  }
  return found;
}

std::vector<std::string> Router::describe() const {
  std::vector<std::string> out;
  for (const Entry& entry : entries_) out.push_back(entry.method + " " + entry.pattern);
  return out;
}

}  // namespace gatehouse
