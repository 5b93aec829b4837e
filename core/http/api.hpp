// The HTTP API: one route table, public and admin, from request to response. Handlers
// live in catalog_routes.cpp, admin_routes.cpp and api.cpp (health and metrics).
#pragma once

#include "catalog/catalog_registry.hpp"
#include "http/api_message.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse {

struct ApiSettings {
  std::chrono::milliseconds first_fetch_wait{10000};  // then 503 with Retry-After
  std::string admin_token;                            // empty: the admin routes do not exist (404)
};

inline constexpr size_t max_query_length = 2048;

class Api {
 public:
  // Re-reads the config and applies it (POST /admin/reload); the app provides it.
  using Reload = std::function<ReloadReport()>;

  Api(CatalogRegistry& catalogs, const HttpMetrics& http_metrics, ApiSettings settings,
      Reload reload = {});

  ApiResponse handle(const ApiRequest& request) const;
  // Every route the server can have, admin ones included: "METHOD pattern", as routed.
  static std::vector<std::string> routes();
  // Runs a deferred answer on the fetch threads and hands the response to `done` there.
  void run_blocking(std::function<ApiResponse()> work, std::function<void(ApiResponse)> done) const;

 private:
  struct RouteSpec;
  static const std::vector<RouteSpec>& route_table();

  ApiResponse models(const RouteCall& call) const;
  ApiResponse model(const RouteCall& call) const;
  ApiResponse gateways(const RouteCall& call) const;
  ApiResponse healthz(const RouteCall& call) const;
  ApiResponse metrics(const RouteCall& call) const;
  ApiResponse rebind(const RouteCall& call) const;
  ApiResponse refresh(const RouteCall& call) const;
  ApiResponse clear_cache(const RouteCall& call) const;
  ApiResponse reload(const RouteCall& call) const;
  ApiResponse web(const RouteCall& call) const;
  // 401/403 unless the request carries the admin token.
  std::optional<ApiResponse> refuse_admin(const ApiRequest& request) const;

  CatalogRegistry& catalogs_;
  const HttpMetrics& http_metrics_;
  ApiSettings settings_;
  Reload reload_;
  Router router_;
};

}  // namespace gatehouse
