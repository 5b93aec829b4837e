// The catalog's public routes: the models list, one model, and the gateways.
#include "http/api.hpp"
#include "http/model_params.hpp"
#include "http/models_envelope.hpp"
#include "support/content_hash.hpp"
#include "support/gzip.hpp"
#include "support/json_writer.hpp"

#include <algorithm>

namespace gatehouse {
namespace {

using namespace std::chrono_literals;

constexpr size_t inline_deflate_bytes = 256 << 10;  // a few ms of deflate at most
// An answer up to this size is copied into the response and, when asked, gzipped on the
// I/O thread (well under a millisecond); a bigger one is streamed from the catalog's own
// bytes: what one connection holds stays this small however big the catalog.
constexpr size_t own_copy_bytes = 64 << 10;
constexpr auto first_fetch_poll = 25ms;

// What one request reads: a gateway's catalog, or the merge of all of them.
struct Scope {
  std::string label;  // the slot name, or "all"
  bool merged = false;
  std::shared_ptr<const GatewayList> list;  // keeps the gateways below alive
  std::vector<Gateway*> gateways;
  std::shared_ptr<const Catalog> catalog;

  // When g's data in the answer was fetched; nullopt when the answer lacks g's data.
  std::optional<int64_t> part_of(const Gateway& g) const {
    if (!catalog) return std::nullopt;
    if (!merged) return catalog->fetched_at_ms();
    for (const CatalogPart& part : catalog->parts())
      if (part.gateway == g.name()) return part.fetched_at_ms;
    return std::nullopt;
  }
};

// Resolves `gateway=`, starts any refresh that is due, and takes the catalog to read.
Scope open_scope(const CatalogRegistry& catalogs, const std::string& name, int64_t now_ms) {
  Scope scope{name, name == "all", catalogs.gateways(), {}, nullptr};
  if (scope.merged) {
    for (const auto& g : scope.list->gateways) scope.gateways.push_back(g.get());
  } else if (std::shared_ptr<Gateway> g = scope.list->find(name)) {
    scope.label = g->name();
    scope.gateways = {g.get()};
  } else {
    throw BadRequest("parameter 'gateway' must be one of " + scope.list->known_names + "; got '" +
                     name.substr(0, 40) + "'");
  }
  for (Gateway* g : scope.gateways) g->refresh_if_due(now_ms);
  scope.catalog = scope.merged ? catalogs.merged() : scope.gateways.front()->catalog();
  return scope;
}

// Whether the answer should wait for g's data: g fetches, and its catalog may come. A
// single gateway without data waits for any fetch, retries too (it has nothing else to
// give); the merge, which has the others' data, waits only for a fetch that is not one
// more retry in a cycle of failures. A catalog that landed after the scope was read is
// progress too.
bool worth_waiting(const Scope& scope, const Gateway& g) {
  if (scope.part_of(g)) return false;
  return g.catalog() || (scope.merged ? g.fetch_worth_waiting_for() : g.fetching());
}

// An answer that lacks a gateway's data waits (bounded) while that gateway fetches its
// catalog; with no data at all past the wait, 503 with Retry-After.
std::optional<ApiResponse> not_ready(const Scope& scope, Route route, const ApiRequest& req,
                                     std::chrono::milliseconds wait, int64_t now_ms) {
  bool may_wait = std::chrono::steady_clock::now() - req.received < wait;
  for (Gateway* g : scope.gateways) {
    if (may_wait && worth_waiting(scope, *g)) {
      ApiResponse r;
      r.route = route;
      r.retry_in = first_fetch_poll;
      return r;
    }
  }
  if (scope.catalog) return std::nullopt;
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

// Where a gateway stands whose data an answer lacks.
std::string_view absent_state(const Gateway& g, int64_t now_ms) {
  switch (g.status(now_ms).state) {
    case GatewayState::fetching: return "fetching";
    case GatewayState::error: return "error";
    default: return "empty";
  }
}

// Each gateway's part in the answer and whether any expired; counts hits and sets
// Cache-Control (no caching of a stale or partial answer).
Freshness account(const Scope& scope, int64_t now_ms, ApiResponse& r) {
  Freshness f{now_ms, scope.catalog->fetched_at_ms(), false, {}};
  bool partial = false;
  int64_t max_age_s = INT64_MAX;
  for (Gateway* g : scope.gateways) {
    std::optional<int64_t> fetched_at = scope.part_of(*g);
    if (!fetched_at) {
      partial = true;
      f.gateways.emplace_back(g->name(), absent_state(*g, now_ms));
      continue;
    }
    int64_t ttl_s = g->binding()->config.ttl_s;
    bool expired = expired_at(*fetched_at, ttl_s, now_ms);
    f.stale = f.stale || expired;
    ++(expired ? g->counters().stale_serves : g->counters().cache_hits);
    f.gateways.emplace_back(g->name(), expired ? "stale" : "fresh");
    if (!expired)  // then 0 < fetched_at <= now: no overflow
      max_age_s = std::min(max_age_s, ttl_s - (now_ms - *fetched_at) / 1000);
  }
  if (f.stale || partial || max_age_s == INT64_MAX) max_age_s = 0;
  r.headers.emplace_back("Cache-Control",
                         "public, max-age=" + std::to_string(std::max<int64_t>(0, max_age_s)));
  return f;
}

// Either a 304 (the client has this version: no body is built) or false. `what` is the
// hash of what was asked.
bool not_modified(const ApiRequest& req, const Catalog& catalog, const std::string& what,
                  ApiResponse& r) {
  std::string etag = "W/\"" + catalog.version() + "-" + what + "\"";
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Vary", "Accept-Encoding");
  if (!etag_matches(req.if_none_match, etag)) return false;
  r.status = 304;
  return true;
}

// A small answer as a copy (gzipped if worth it); a big one streamed, and compressed by
// the server as it goes when the client takes gzip.
void set_body(const ApiRequest& req, std::unique_ptr<BodySource> body, ApiResponse& r) {
  if (body->size() <= own_copy_bytes) {
    r.body = read_all(*body);
    return gzip_if_worth_it(req, r);
  }
  r.stream = std::move(body);
  if (!req.accepts_gzip) return;
  r.gzip_stream = true;
  r.headers.emplace_back("Content-Encoding", "gzip");
}

// offered_by names a gateway as gateway= does (a slot or an alias); offers carry slot names.
void resolve_offered_by(const Scope& scope, ModelQuery& q) {
  if (q.offered_by.empty()) return;
  std::shared_ptr<Gateway> g = scope.list->find(q.offered_by);
  if (!g)
    throw BadRequest("parameter 'offered_by' must be one of the gateways (" +
                     scope.list->known_names.substr(0, scope.list->known_names.rfind(", ")) +
                     "); got '" + q.offered_by.substr(0, 40) + "'");
  q.offered_by = g->name();
}

}  // namespace

ApiResponse Api::models(const RouteCall& call) const {
  const ApiRequest& req = call.request;
  ModelsRequest request = parse_models_request(call.params);
  int64_t now_ms = catalogs_.clock().now_unix_ms();
  Scope scope = open_scope(catalogs_, request.gateway, now_ms);
  resolve_offered_by(scope, request.query);
  if (auto wait = not_ready(scope, Route::models, req, settings_.first_fetch_wait, now_ms))
    return std::move(*wait);

  ApiResponse r;
  r.route = Route::models;
  Freshness freshness = account(scope, now_ms, r);
  if (not_modified(req, *scope.catalog, request.fingerprint(), r)) return r;
  const Catalog& catalog = *scope.catalog;
  const ModelQuery& q = request.query;
  if (request.full_list()) {
    // The common request: the catalog's ready array, only the envelope's rest written now.
    PageShape shape{catalog.size(), catalog.size(), 0, std::nullopt, scope.label};
    std::shared_ptr<const DeflatedPart> deflated = catalog.models_json_deflated();
    // A small catalog's deflate is made here if its turn on a fetch thread has not come; a
    // big one's answer goes uncompressed until it has (no I/O thread deflates 100 MB).
    if (!deflated && req.accepts_gzip && catalog.models_json_size() <= inline_deflate_bytes)
      deflated = catalog.prepare_deflate();
    if (req.accepts_gzip && deflated) {
      r.stream = full_list_gzip(scope.catalog, std::move(deflated), shape, freshness);
      r.headers.emplace_back("Content-Encoding", "gzip");
    } else {
      // Not compressed while streaming: the ready deflate comes soon, and until then a full
      // list costs no compression per request.
      r.stream = full_list_body(scope.catalog, shape, freshness);
    }
    return r;
  }
  Page page = run_query(catalog, q);
  PageShape shape{page.total, page.models.size(), q.offset, q.limit, scope.label};
  set_body(req, page_body(scope.catalog, std::move(page.models), shape, freshness), r);
  return r;
}

ApiResponse Api::model(const RouteCall& call) const {
  const ApiRequest& req = call.request;
  const std::string& id = call.args.front();
  ModelsRequest request = parse_models_request(call.params);
  int64_t now_ms = catalogs_.clock().now_unix_ms();
  Scope scope = open_scope(catalogs_, request.gateway, now_ms);
  if (auto wait = not_ready(scope, Route::model, req, settings_.first_fetch_wait, now_ms))
    return std::move(*wait);
  const ModelRecord* m = scope.catalog->find(id);
  if (!m) throw NotFound("no model '" + id.substr(0, 200) + "' in gateway '" + scope.label + "'");
  ApiResponse r;
  r.route = Route::model;
  account(scope, now_ms, r);
  if (not_modified(req, *scope.catalog, ContentHash().add(m->lower_id).hex(), r)) return r;
  r.body = m->json;
  gzip_if_worth_it(req, r);
  return r;
}

namespace {

std::optional<int64_t> seconds(int64_t ms) {
  return ms > 0 ? std::optional<int64_t>(ms / 1000) : std::nullopt;
}

void write_plugin(JsonWriter& json, const PluginBinding& plugin) {
  if (!plugin.instance) {
    json.null();
    return;
  }
  const LoadedPlugin& loaded = plugin.instance->plugin();
  json.begin_object();
  json.key("name").string(to_valid_utf8(loaded.name()));
  json.key("version").string(to_valid_utf8(loaded.version()));
  json.key("abi").string(std::to_string(loaded.abi().abi_major) + "." +
                         std::to_string(loaded.abi().abi_minor));
  json.key("file").string(to_valid_utf8(loaded.path().string()));
  json.end_object();
}

void write_swaps(JsonWriter& json, const std::vector<SwapRecord>& history) {
  json.begin_array();
  for (const SwapRecord& swap : history) {
    json.begin_object();
    json.key("at").integer_or_null(seconds(swap.at_ms));
    json.key("from").string(to_valid_utf8(swap.from));
    json.key("to").string(to_valid_utf8(swap.to));
    json.key("outcome").string(to_valid_utf8(swap.outcome()));
    json.end_object();
  }
  json.end_array();
}

// The fleet's shared tier: null when this replica works alone by config.
void write_shared(JsonWriter& json, const std::optional<SharedHealth>& shared) {
  if (!shared) {
    json.null();
    return;
  }
  json.begin_object();
  json.key("url").string(to_valid_utf8(shared->url));
  json.key("state").string(shared->up ? "up" : "down");
  json.key("last_error");
  shared->last_error.empty() ? json.null() : json.string(to_valid_utf8(shared->last_error));
  json.key("since").integer_or_null(seconds(shared->since_ms));
  json.key("errors").integer(static_cast<int64_t>(shared->errors));
  json.end_object();
}

void write_gateway(JsonWriter& json, const Gateway& g, int64_t now_ms) {
  GatewayStatus s = g.status(now_ms);
  std::shared_ptr<const GatewayBinding> binding = g.binding();
  const GatewayConfig& c = binding->config;
  json.begin_object();
  json.key("name").string(c.name);
  json.key("aliases").begin_array();
  for (const std::string& alias : c.aliases) json.string(alias);
  json.end_array();
  json.key("plugin");
  write_plugin(json, binding->plugin);
  json.key("models").integer(static_cast<int64_t>(s.models));
  json.key("fetched_at").integer_or_null(seconds(s.fetched_at_ms));
  json.key("ttl_s").integer(c.ttl_s);
  json.key("min_models").integer(c.min_models);
  json.key("state").string(state_name(s.state));
  bool failed = !s.last_error.empty();
  json.key("last_error");
  failed ? json.string(to_valid_utf8(s.last_error)) : json.null();
  json.key("last_error_at").integer_or_null(failed ? seconds(s.last_error_at_ms) : std::nullopt);
  json.key("warnings").begin_array();
  for (const std::string& warning : s.warnings) json.string(warning);
  json.end_array();
  json.key("snapshot_error");
  s.snapshot_error.empty() ? json.null() : json.string(to_valid_utf8(s.snapshot_error));
  json.key("next_retry_at")
      .integer_or_null(s.next_retry_at_ms > now_ms ? seconds(s.next_retry_at_ms) : std::nullopt);
  json.key("bound_at").integer_or_null(seconds(binding->plugin.bound_at_ms));
  json.key("swaps");
  write_swaps(json, g.history());
  json.end_object();
}

}  // namespace

ApiResponse Api::gateways(const RouteCall& call) const {
  int64_t now_ms = catalogs_.clock().now_unix_ms();
  ApiResponse r;
  r.route = Route::gateways;
  JsonWriter json(r.body);
  json.begin_object().key("data").begin_array();
  // Held while walked: a reload may replace the list meanwhile (a range-for over
  // gateways()->gateways would walk a freed one; the soak test under ASan saw it).
  std::shared_ptr<const GatewayList> list = catalogs_.gateways();
  for (const auto& g : list->gateways) write_gateway(json, *g, now_ms);
  json.end_array();
  json.key("redis");
  write_shared(json, catalogs_.shared_health());
  json.key("timestamp").integer(now_ms / 1000);
  json.end_object();
  r.headers.emplace_back("Vary", "Accept-Encoding");
  gzip_if_worth_it(call.request, r);
  return r;
}

}  // namespace gatehouse
