#include "http/api.hpp"

#include "support/gzip.hpp"
#include "support/json_writer.hpp"

#include <boost/url/parse.hpp>

namespace gatehouse {
namespace {

QueryParams decode_params(const boost::urls::url_view& url) {
  QueryParams params;
  for (auto p : url.params()) params.emplace_back(p.key, p.value);
  return params;
}

}  // namespace

// The one route table: every route the server knows, public and admin.
struct Api::RouteSpec {
  std::string_view method;
  std::string_view pattern;
  Route route;
  bool admin;
  ApiResponse (Api::*handler)(const RouteCall&) const;
};

const std::vector<Api::RouteSpec>& Api::route_table() {
  static const std::vector<RouteSpec> table = {
      {"GET", "/v1/catalog/models", Route::models, false, &Api::models},
      {"GET", "/v1/catalog/models/{id...}", Route::model, false, &Api::model},
      {"GET", "/v1/models", Route::models, false, &Api::models},  // the original clients' path
      {"GET", "/v1/models/{id...}", Route::model, false, &Api::model},
      {"GET", "/v1/catalog/gateways", Route::gateways, false, &Api::gateways},
      {"GET", "/healthz", Route::healthz, false, &Api::healthz},
      {"GET", "/metrics", Route::metrics, false, &Api::metrics},
      {"PUT", "/admin/gateways/{name}/plugin", Route::admin, true, &Api::rebind},
      {"POST", "/admin/gateways/{name}/refresh", Route::admin, true, &Api::refresh},
      {"DELETE", "/admin/gateways/{name}/cache", Route::admin, true, &Api::clear_cache},
      {"POST", "/admin/reload", Route::admin, true, &Api::reload},
      {"GET", "/", Route::web, false, &Api::web},  // the catalog page
      {"GET", "/docs", Route::web, false, &Api::web},
      {"GET", "/openapi.json", Route::web, false, &Api::web},
      {"GET", "/assets/{file}", Route::web, false, &Api::web},
  };
  return table;
}

ApiResponse json_error(unsigned status, Route route, std::string_view detail) {
  ApiResponse r;
  r.status = status;
  r.route = route;
  JsonWriter(r.body).begin_object().key("detail").string(to_valid_utf8(detail)).end_object();
  return r;
}

void gzip_if_worth_it(const ApiRequest& req, ApiResponse& r) {
  if (!req.accepts_gzip || r.body.size() < gzip_min_bytes) return;
  r.body = gzip(r.body);
  r.headers.emplace_back("Content-Encoding", "gzip");
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  auto strip = [](std::string_view t) { return t.starts_with("W/") ? t.substr(2) : t; };
  while (!if_none_match.empty()) {
    size_t comma = if_none_match.find(',');
    std::string_view candidate = if_none_match.substr(0, comma);
    while (!candidate.empty() && candidate.front() == ' ') candidate.remove_prefix(1);
    while (!candidate.empty() && candidate.back() == ' ') candidate.remove_suffix(1);
    if (candidate == "*" || strip(candidate) == strip(etag)) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

Api::Api(CatalogRegistry& catalogs, const HttpMetrics& http_metrics, ApiSettings settings,
         Reload reload)
    : catalogs_(catalogs),
      http_metrics_(http_metrics),
      settings_(std::move(settings)),
      reload_(std::move(reload)) {
  for (const RouteSpec& spec : route_table()) {
    if (spec.admin && settings_.admin_token.empty()) continue;
    router_.add(
        spec.method, spec.pattern, spec.route,
        [this, handler = spec.handler](const RouteCall& call) { return (this->*handler)(call); });
  }
}

std::vector<std::string> Api::routes() {
  std::vector<std::string> out;
  for (const RouteSpec& spec : route_table())
    out.push_back(std::string(spec.method) + " " + std::string(spec.pattern));
  return out;
}

ApiResponse Api::handle(const ApiRequest& req) const {
  auto parsed = boost::urls::parse_origin_form(req.target);
  if (!parsed) return json_error(400, Route::unknown, "malformed request target");
  std::string path = parsed->path();
  std::string method(req.method.substr(0, 20));
  if (!settings_.admin_token.empty() && path.starts_with("/admin/"))
    if (std::optional<ApiResponse> refused = refuse_admin(req)) return std::move(*refused);

  Router::Match match = router_.match(req.method, path);
  if (!match.handler && match.allowed.empty())
    return json_error(404, Route::unknown, "no route " + method + " " + path.substr(0, 200));
  if (!match.handler) {
    ApiResponse r = json_error(405, match.route,
                               "method " + method + " is not allowed on " + path.substr(0, 200) +
                                   "; use " + match.allowed);
    r.headers.emplace_back("Allow", match.allowed);
    return r;
  }
  // The web routes read no query but ?v=: a page whose state ran long still loads (and
  // trims it); the API keeps its limit.
  if (match.route != Route::web && parsed->encoded_query().size() > max_query_length)
    return json_error(400, match.route,
                      "query string is longer than " + std::to_string(max_query_length) + " bytes");
  try {
    return (*match.handler)(
        RouteCall{req, std::move(match.args), decode_params(*parsed), std::move(path)});
  } catch (const BadRequest& e) {
    return json_error(400, match.route, e.what());
  } catch (const NotFound& e) {
    return json_error(404, match.route, e.what());
  }
}

ApiResponse Api::healthz(const RouteCall&) const {
  ApiResponse r;
  r.route = Route::healthz;
  JsonWriter(r.body).begin_object().key("status").string("ok").end_object();
  return r;
}

ApiResponse Api::metrics(const RouteCall& call) const {
  ApiResponse r;
  r.route = Route::metrics;
  r.content_type = "text/plain; version=0.0.4";
  std::string& out = r.body;
  http_metrics_.append_prometheus(out);
  struct Counter {
    const char* name;
    const char* type;
    const char* help;
    uint64_t (*read)(Gateway&);
  };
  static const Counter counters[] = {
      {"gatehouse_cache_hits_total", "counter", "Catalog reads served fresh.",
       [](Gateway& g) { return g.counters().cache_hits.load(); }},
      {"gatehouse_cache_stale_serves_total", "counter", "Catalog reads served past their TTL.",
       [](Gateway& g) { return g.counters().stale_serves.load(); }},
      {"gatehouse_models_dropped_total", "counter", "Invalid models left out at ingest.",
       [](Gateway& g) { return g.counters().models_dropped.load(); }},
      {"gatehouse_shared_loads_total", "counter",
       "Catalogs taken from the fleet's shared tier (redis) instead of the upstream.",
       [](Gateway& g) { return g.counters().shared_loads.load(); }},
      {"gatehouse_shared_stores_total", "counter", "Catalogs this replica gave the fleet.",
       [](Gateway& g) { return g.counters().shared_stores.load(); }},
      {"gatehouse_models", "gauge", "Models in the catalog being served.",
       [](Gateway& g) -> uint64_t {
         auto c = g.catalog();
         return c ? c->size() : 0;
       }},
  };
  std::shared_ptr<const GatewayList> list = catalogs_.gateways();
  for (const Counter& c : counters) {
    append_metric_header(out, c.name, c.type, c.help);
    for (const auto& g : list->gateways)
      out += std::string(c.name) + "{gateway=\"" + g->name() + "\"} " + std::to_string(c.read(*g)) +
             "\n";
  }
  append_metric_header(out, "gatehouse_upstream_fetches_total", "counter",
                       "Upstream fetches by outcome (rejected: too few models).");
  for (const auto& g : list->gateways) {
    const GatewayCounters& k = g->counters();
    std::pair<const char*, uint64_t> outcomes[] = {{"ok", k.fetch_ok.load()},
                                                   {"error", k.fetch_error.load()},
                                                   {"rejected", k.fetch_rejected.load()}};
    for (auto [outcome, n] : outcomes)
      out += "gatehouse_upstream_fetches_total{gateway=\"" + g->name() + "\",outcome=\"" + outcome +
             "\"} " + std::to_string(n) + "\n";
  }
  if (std::optional<SharedHealth> shared = catalogs_.shared_health()) {
    append_metric_header(out, "gatehouse_redis_up", "gauge",
                         "1 while the fleet's shared tier (redis) answers, else 0.");
    out += "gatehouse_redis_up " + std::to_string(shared->up ? 1 : 0) + "\n";
    append_metric_header(out, "gatehouse_redis_errors_total", "counter",
                         "Calls to the shared tier (redis) that failed.");
    out += "gatehouse_redis_errors_total " + std::to_string(shared->errors) + "\n";
  }
  r.headers.emplace_back("Vary", "Accept-Encoding");
  gzip_if_worth_it(call.request, r);
  return r;
}

void Api::run_blocking(std::function<ApiResponse()> work,
                       std::function<void(ApiResponse)> done) const {
  catalogs_.run_blocking([work = std::move(work), done = std::move(done)] {
    ApiResponse r;
    try {
      r = work();
    } catch (const std::exception& e) {
      r = json_error(500, Route::admin, e.what());
    }
    done(std::move(r));
  });
}

}  // namespace gatehouse
