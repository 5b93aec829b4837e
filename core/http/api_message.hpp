// A request as the API sees it and the answer it gives, free of sockets: the routes are
// tested directly and the server stays a thin Beast shell.
#pragma once

#include "http/body_source.hpp"
#include "http/route.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gatehouse {

struct ApiRequest {
  std::string_view method;  // "GET", ...
  std::string_view target;  // origin form: /path?query
  std::string_view if_none_match;
  bool accepts_gzip = false;
  // When the request arrived: bounds how long it may wait for a first fetch.
  std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now();
  std::string_view authorization;
  std::string_view body;
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // A big answer instead of `body`: written from shared bytes as the socket drains, and
  // with `gzip_stream` compressed by the server a piece at a time, off the I/O threads.
  std::shared_ptr<BodySource> stream;
  bool gzip_stream = false;
  Route route = Route::unknown;
  // Set when the answer is not ready yet (a first fetch is running): ask again after this.
  std::optional<std::chrono::milliseconds> retry_in;
  // Set when the answer needs blocking work (plugin calls): run it off the I/O threads
  // with Api::run_blocking, then send what it returns.
  std::function<ApiResponse()> deferred;
};

// {"detail": "..."} with that status: every error the API gives. Text that is not UTF-8
// (an upstream's words) is repaired, never dropped.
ApiResponse json_error(unsigned status, Route route, std::string_view detail);

// Gzips the body when the client takes it and the body is big enough to gain from it.
void gzip_if_worth_it(const ApiRequest& request, ApiResponse& response);

// If-None-Match against an ETag, compared weakly (RFC 9110 8.8.3.2): W/ prefixes do not
// matter; "*" matches anything.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// A query string's parameters, percent-decoded, in order.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

// A 400 whose message names the parameter and what is allowed.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A 404 whose message names what a route's path asked for and did not find.
class NotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gatehouse
