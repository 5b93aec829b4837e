// The HTTP API as a function from request to response, free of sockets, so the routes
// are tested directly and the server stays a thin Beast shell.
#pragma once

#include "catalog_query.hpp"
#include "catalog_service.hpp"
#include "metrics.hpp"

#include <chrono>
#include <functional>
#include <optional>
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
  int64_t received_ms = 0;  // when the request arrived (Unix ms): bounds the first-fetch wait
  std::string_view authorization;
  std::string_view body;
};

struct ApiResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Route route = Route::unknown;
  // Set when the answer is not ready yet (a first fetch is running): ask again after this.
  std::optional<std::chrono::milliseconds> retry_in;
  // Set when the answer needs blocking work (plugin calls): run it off the I/O threads
  // with Api::run_blocking, then send what it returns.
  std::function<ApiResponse()> deferred;
};

inline constexpr size_t max_query_length = 2048;

// {"detail": "..."} with that status: every error the API gives.
ApiResponse json_error(unsigned status, Route route, const std::string& detail);

class Api {
 public:
  // An empty admin_token disables the admin routes (they answer 404).
  Api(CatalogService& catalogs, const HttpMetrics& http_metrics, int64_t first_fetch_wait_ms,
      std::string admin_token = "");
  ApiResponse handle(const ApiRequest& request) const;
  // Runs a deferred answer on the fetch threads and hands the response to `done` there.
  void run_blocking(std::function<ApiResponse()> work, std::function<void(ApiResponse)> done) const;

 private:
  ApiResponse models(const ApiRequest& request, const QueryParams& params) const;
  ApiResponse model(const ApiRequest& request, std::string_view id,
                    const QueryParams& params) const;
  ApiResponse gateways() const;
  ApiResponse metrics() const;
  ApiResponse healthz() const;
  ApiResponse admin(const ApiRequest& request, std::string_view path) const;
  ApiResponse reload(const ApiRequest& request) const;

  CatalogService& catalogs_;
  const HttpMetrics& http_metrics_;
  int64_t first_fetch_wait_ms_;
  std::string admin_token_;
};

}  // namespace gatehouse
