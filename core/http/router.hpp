// The route table's matcher: (method, path pattern) -> handler. A pattern is literal
// segments, `{name}` (one non-empty segment) and, last, `{name...}` (the non-empty rest,
// slashes included: model ids contain '/'). HEAD takes the GET routes.
#pragma once

#include "http/api_message.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// One routed request: the captured path parts in pattern order, and its query.
struct RouteCall {
  const ApiRequest& request;
  std::vector<std::string> args;
  QueryParams params;
  std::string path;  // percent-decoded, as matched
};

class Router {
 public:
  using Handler = std::function<ApiResponse(const RouteCall&)>;

  void add(std::string_view method, std::string_view pattern, Route route, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null: nothing for this method and path
    Route route = Route::unknown;
    std::vector<std::string> args;
    std::string allowed;  // without a handler: the methods this path takes ("GET, HEAD")
  };
  Match match(std::string_view method, std::string_view path) const;

  // Every "METHOD pattern", in the order added.
  std::vector<std::string> describe() const;

 private:
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Route route;
    Handler handler;
  };
  static bool match_path(const Entry& entry, std::string_view path, std::vector<std::string>& args);

  std::vector<Entry> entries_;
};

}  // namespace gatehouse
