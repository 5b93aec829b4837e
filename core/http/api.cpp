#include "http_api.hpp"

#include "catalog_query.hpp"
#include "catalog_response.hpp"
#include "content_hash.hpp"
#include "gzip.hpp"
#include "json_text.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;

constexpr size_t gzip_min_bytes = 1024;
constexpr auto first_fetch_poll = 25ms;
constexpr std::string_view models_paths[] = {"/v1/catalog/models", "/v1/models"};

// Weak comparison (RFC 9110 8.8.3.2): W/ prefixes do not matter; "*" matches anything.
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

// What one models request reads: a gateway's catalog, or the merge of all of them.
struct Scope {
  std::string label;
  std::shared_ptr<const GatewayList> list;  // keeps the gateways below alive
  std::vector<Gateway*> gateways;
  std::shared_ptr<const Catalog> catalog;
};

// Resolves `gateway=`, starts any refresh that is due, and takes the catalog to read.
Scope open_scope(CatalogService& catalogs, const std::string& name, int64_t now_ms) {
  Scope scope{name, catalogs.gateways(), {}, nullptr};
  if (name == "all") {
    for (const auto& g : scope.list->gateways) scope.gateways.push_back(g.get());
  } else if (std::shared_ptr<Gateway> g = scope.list->find(name)) {
    scope.label = g->name();
    scope.gateways = {g.get()};
  } else {
    throw BadRequest("parameter 'gateway' must be one of " + scope.list->known_names + "; got '" +
                     name.substr(0, 40) + "'");
  }
  for (Gateway* g : scope.gateways) g->refresh_if_due(now_ms);
  scope.catalog = name == "all" ? catalogs.merged() : scope.gateways.front()->catalog();
  return scope;
}

// No catalog yet: wait (bounded) while a first fetch runs, then 503 with Retry-After.
ApiResponse not_ready(const Scope& scope, Route route, int64_t received_ms, int64_t wait_ms,
                      int64_t now_ms) {
  // Data may have landed between reading the catalog and now: that is progress too.
  bool progressing = std::any_of(scope.gateways.begin(), scope.gateways.end(),
                                 [](Gateway* g) { return g->fetching() || g->catalog(); });
  if (progressing && now_ms - received_ms < wait_ms) {
    ApiResponse r;
    r.route = route;
    r.retry_in = first_fetch_poll;
    return r;
  }
  int64_t retry_s = 1;
  for (Gateway* g : scope.gateways)
    if (!g->fetching() && g->retry_at_ms() > now_ms)
      retry_s = std::max(retry_s, (g->retry_at_ms() - now_ms + 999) / 1000);
  ApiResponse r = json_error(
      503, route,
      "gateway '" + scope.label + "' has no catalog yet; see /v1/catalog/gateways for why");
  r.headers.emplace_back("Retry-After", std::to_string(retry_s));
  return r;
}

// Marks the data stale when any gateway's part expired, counts hits, and sets caching headers.
bool account_freshness(const Scope& scope, int64_t now_ms, ApiResponse& r) {
  bool stale = false;
  int64_t max_age_s = INT64_MAX;
  for (Gateway* g : scope.gateways) {
    std::shared_ptr<const Catalog> c = g->catalog();
    if (!c) continue;
    bool expired = g->expired(*c, now_ms);
    stale = stale || expired;
    ++(expired ? g->counters().stale_serves : g->counters().cache_hits);
    max_age_s =
        std::min(max_age_s, g->binding()->config.ttl_s - (now_ms - c->fetched_at_ms()) / 1000);
  }
  max_age_s = stale ? 0 : std::max<int64_t>(0, max_age_s == INT64_MAX ? 0 : max_age_s);
  r.headers.emplace_back("Cache-Control", "public, max-age=" + std::to_string(max_age_s));
  return stale;
}

// Either a 304 (the client has this version: no body is built) or false.
bool not_modified(const ApiRequest& req, const std::string& etag, ApiResponse& r) {
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Vary", "Accept-Encoding");
  if (!etag_matches(req.if_none_match, etag)) return false;
  r.status = 304;
  return true;
}

void gzip_if_worth_it(const ApiRequest& req, ApiResponse& r) {
  if (!req.accepts_gzip || r.body.size() < gzip_min_bytes) return;
  r.body = gzip(r.body);
  r.headers.emplace_back("Content-Encoding", "gzip");
}

QueryParams decode_params(const boost::urls::url_view& url) {
  QueryParams params;
  for (auto p : url.params()) params.emplace_back(p.key, p.value);
  return params;
}

}  // namespace

ApiResponse json_error(unsigned status, Route route, const std::string& detail) {
  ApiResponse r;
  r.status = status;
  r.route = route;
  r.body = "{\"detail\":";
  if (!append_json_string(r.body, detail)) append_json_string(r.body, "invalid request");
  r.body += "}";
  return r;
}

Api::Api(CatalogService& catalogs, const HttpMetrics& http_metrics, int64_t first_fetch_wait_ms,
         std::string admin_token)
    : catalogs_(catalogs),
      http_metrics_(http_metrics),
      first_fetch_wait_ms_(first_fetch_wait_ms),
      admin_token_(std::move(admin_token)) {}

ApiResponse Api::handle(const ApiRequest& req) const {
  auto parsed = boost::urls::parse_origin_form(req.target);
  if (!parsed) return json_error(400, Route::unknown, "malformed request target");
  const boost::urls::url_view& url = *parsed;
  std::string path = url.path();
  std::string_view query = url.encoded_query();

  Route route = Route::unknown;
  std::string id;
  for (std::string_view base : models_paths) {
    if (path == base) route = Route::models;
    if (path.size() > base.size() + 1 && path.starts_with(base) && path[base.size()] == '/') {
      route = Route::model;
      id = path.substr(base.size() + 1);
    }
  }
  if (path == "/v1/catalog/gateways") route = Route::gateways;
  if (path == "/healthz") route = Route::healthz;
  if (path == "/metrics") route = Route::metrics;

  if (!admin_token_.empty() && path.starts_with("/admin/")) return admin(req, path);
  if (route == Route::unknown)
    return json_error(404, route,
                      "no route " + std::string(req.method) + " " + path.substr(0, 200));
  if (req.method != "GET") {
    ApiResponse r = json_error(405, route,
                               "method " + std::string(req.method).substr(0, 20) +
                                   " is not allowed on " + path + "; use GET");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (query.size() > max_query_length)
    return json_error(400, route,
                      "query string is longer than " + std::to_string(max_query_length) + " bytes");
  try {
    switch (route) {
      case Route::models: return models(req, decode_params(url));
      case Route::model: return model(req, id, decode_params(url));
      case Route::gateways: return gateways();
      case Route::metrics: return metrics();
      default: return healthz();
    }
  } catch (const BadRequest& e) {
    return json_error(400, route, e.what());
  }
}

ApiResponse Api::healthz() const {
  ApiResponse r;
  r.route = Route::healthz;
  r.body = "{\"status\":\"ok\"}";
  return r;
}

ApiResponse Api::models(const ApiRequest& req, const QueryParams& params) const {
  ModelQuery q = parse_model_query(params);
  int64_t now_ms = unix_now_ms();
  Scope scope = open_scope(catalogs_, q.gateway, now_ms);
  if (!scope.catalog)
    return not_ready(scope, Route::models, req.received_ms, first_fetch_wait_ms_, now_ms);

  ApiResponse r;
  r.route = Route::models;
  bool stale = account_freshness(scope, now_ms, r);
  std::string etag =
      "W/\"" + scope.catalog->version() + "-" + ContentHash().add(q.canonical()).hex() + "\"";
  if (not_modified(req, etag, r)) return r;
  std::string tail;
  append_envelope_tail(tail, now_ms, scope.catalog->fetched_at_ms(), stale);
  if (q.is_full_list()) {
    // The common request: a body prepared with the catalog, only the clock's tail added.
    if (req.accepts_gzip) {
      r.body = scope.catalog->full_head_gzip().finish(tail);
      r.headers.emplace_back("Content-Encoding", "gzip");
    } else {
      r.body = scope.catalog->full_head() + tail;
    }
    return r;
  }
  Page page = run_model_query(*scope.catalog, q);
  append_envelope_head(r.body, page.models, {page.total, q.offset, q.limit, scope.label});
  r.body += tail;
  gzip_if_worth_it(req, r);
  return r;
}

ApiResponse Api::model(const ApiRequest& req, std::string_view id,
                       const QueryParams& params) const {
  ModelQuery q = parse_model_query(params);
  int64_t now_ms = unix_now_ms();
  Scope scope = open_scope(catalogs_, q.gateway, now_ms);
  if (!scope.catalog)
    return not_ready(scope, Route::model, req.received_ms, first_fetch_wait_ms_, now_ms);
  const ModelRecord* m = scope.catalog->find(id);
  if (!m)
    return json_error(
        404, Route::model,
        "no model '" + std::string(id.substr(0, 200)) + "' in gateway '" + scope.label + "'");
  ApiResponse r;
  r.route = Route::model;
  account_freshness(scope, now_ms, r);
  if (not_modified(
          req,
          "W/\"" + scope.catalog->version() + "-" + ContentHash().add(m->lower_id).hex() + "\"", r))
    return r;
  r.body = m->json;
  gzip_if_worth_it(req, r);
  return r;
}

ApiResponse Api::gateways() const {
  int64_t now_ms = unix_now_ms();
  ApiResponse r;
  r.route = Route::gateways;
  std::string& out = r.body;
  auto seconds_or_null = [&](int64_t ms) {
    if (ms > 0)
      append_json_int(out, ms / 1000);
    else
      out += "null";
  };
  out = "{\"data\":[";
  for (const auto& g : catalogs_.gateways()->gateways) {
    GatewayStatus s = g->status(now_ms);
    std::shared_ptr<const GatewayBinding> binding = g->binding();
    const GatewayConfig& c = binding->config;
    out += out.back() == '[' ? "{\"name\":" : ",{\"name\":";
    append_json_string(out, c.name);
    out += ",\"aliases\":[";
    for (size_t i = 0; i < c.aliases.size(); ++i) {
      if (i) out += ",";
      append_json_string(out, c.aliases[i]);
    }
    out += "],\"plugin\":";
    if (const PluginInstance* p = binding->instance.get()) {
      const LoadedPlugin& lp = p->plugin();
      out += "{\"name\":";
      append_json_string(out, lp.name());
      out += ",\"version\":";
      append_json_string(out, lp.version());
      out += ",\"abi\":\"" + std::to_string(lp.abi().abi_major) + "." +
             std::to_string(lp.abi().abi_minor) + "\",\"file\":";
      append_json_string(out, lp.path().string());
      out += "}";
    } else {
      out += "null";
    }
    out += ",\"models\":";
    append_json_int(out, static_cast<int64_t>(s.models));
    out += ",\"fetched_at\":";
    seconds_or_null(s.fetched_at_ms);
    out += ",\"ttl_s\":";
    append_json_int(out, c.ttl_s);
    out += ",\"min_models\":";
    append_json_int(out, c.min_models);
    out += ",\"state\":\"" + std::string(state_name(s.state)) + "\",\"last_error\":";
    if (s.last_error.empty() || !append_json_string(out, s.last_error)) out += "null";
    out += ",\"last_error_at\":";
    seconds_or_null(s.last_error.empty() ? 0 : s.last_error_at_ms);
    out += ",\"next_retry_at\":";
    seconds_or_null(s.next_retry_at_ms > now_ms ? s.next_retry_at_ms : 0);
    out += ",\"bound_at\":";
    seconds_or_null(binding->bound_at_ms);
    out += ",\"swaps\":[";
    std::vector<SwapRecord> history = g->history();
    for (size_t i = 0; i < history.size(); ++i) {
      out += i ? ",{\"at\":" : "{\"at\":";
      seconds_or_null(history[i].at_ms);
      out += ",\"from\":";
      append_json_string(out, history[i].from);
      out += ",\"to\":";
      append_json_string(out, history[i].to);
      out += ",\"outcome\":";
      if (!append_json_string(out, history[i].outcome)) out += "\"failed\"";
      out += "}";
    }
    out += "]}";
  }
  out += "],\"timestamp\":";
  append_json_int(out, now_ms / 1000);
  out += "}";
  return r;
}

ApiResponse Api::metrics() const {
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
      {"gatehouse_models", "gauge", "Models in the catalog being served.",
       [](Gateway& g) -> uint64_t {
         auto c = g.catalog();
         return c ? c->size() : 0;
       }},
  };
  for (const Counter& c : counters) {
    append_metric_header(out, c.name, c.type, c.help);
    for (const auto& g : catalogs_.gateways()->gateways)
      out += std::string(c.name) + "{gateway=\"" + g->name() + "\"} " + std::to_string(c.read(*g)) +
             "\n";
  }
  append_metric_header(out, "gatehouse_upstream_fetches_total", "counter",
                       "Upstream fetches by outcome (rejected: too few models).");
  for (const auto& g : catalogs_.gateways()->gateways) {
    const GatewayCounters& k = g->counters();
    std::pair<const char*, uint64_t> outcomes[] = {{"ok", k.fetch_ok.load()},
                                                   {"error", k.fetch_error.load()},
                                                   {"rejected", k.fetch_rejected.load()}};
    for (auto [outcome, n] : outcomes)
      out += "gatehouse_upstream_fetches_total{gateway=\"" + g->name() + "\",outcome=\"" + outcome +
             "\"} " + std::to_string(n) + "\n";
  }
  return r;
}

}  // namespace gatehouse
