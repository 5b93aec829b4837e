// The admin routes: rebind a gateway's plugin, refresh it, clear its cache, reload the
// config. They exist only when a token is configured, and every call must carry it.
#include "http/api.hpp"
#include "support/json_writer.hpp"

#include <simdjson.h>

#include <cctype>
#include <stdexcept>

namespace gatehouse {
namespace {

ApiResponse admin_error(unsigned status, std::string_view detail) {
  return json_error(status, Route::admin, detail);
}

// Compares without an early exit, so the time taken says nothing about the token.
bool same_token(std::string_view given, std::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i)
    diff |=
        static_cast<unsigned char>(given[i] ^ expected[i % std::max<size_t>(1, expected.size())]);
  return diff == 0 && !expected.empty();
}

OptionValue option_value(simdjson::dom::element value) {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(std::string_view(value.get_string().value()));
    case simdjson::dom::element_type::INT64: return int64_t(value.get_int64().value());
    case simdjson::dom::element_type::BOOL: return bool(value.get_bool().value());
    case simdjson::dom::element_type::ARRAY: {
      std::vector<std::string> items;
      simdjson::dom::array array = value.get_array().value();  // named: loops over it
      for (simdjson::dom::element item : array) {
        if (!item.is_string()) return UnsupportedOption{"an array holding non-string items"};
        items.emplace_back(std::string_view(item.get_string().value()));
      }
      return items;
    }
    case simdjson::dom::element_type::OBJECT: return UnsupportedOption{"an object"};
    case simdjson::dom::element_type::NULL_VALUE: return UnsupportedOption{"null"};
    case simdjson::dom::element_type::UINT64: return UnsupportedOption{"an integer out of range"};
    default: return UnsupportedOption{"a number that is not an integer"};
  }
}

// The body of PUT .../plugin: {"plugin": NAME, "options": {...}}; options as config.toml
// spells them, turned into text by the same rule. Throws BadRequest naming the problem.
std::pair<std::string, PluginOptions> rebind_body(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view plugin;
  if (parser.parse(body.data(), body.size()).get(root) || !root.is_object() ||
      root["plugin"].get_string().get(plugin))
    throw BadRequest("body must be {\"plugin\": NAME, \"options\": {...}}");
  PluginOptions options;
  simdjson::dom::element given;
  if (root["options"].get(given) == simdjson::SUCCESS) {
    if (!given.is_object()) throw BadRequest("\"options\" must be an object");
    simdjson::dom::object fields = given.get_object().value();  // named: loops over it
    try {
      for (auto [key, value] : fields)
        options.emplace_back(std::string(key),
                             option_text(option_value(value), "option '" + std::string(key) + "'"));
    } catch (const OptionError& e) {
      throw BadRequest(e.what());
    }
  }
  return {std::string(plugin), std::move(options)};
}

// {"gateway": NAME, ...}: what `more` writes follows the name.
ApiResponse gateway_answer(const Gateway& gateway, const std::function<void(JsonWriter&)>& more) {
  ApiResponse r;
  r.route = Route::admin;
  JsonWriter json(r.body);
  json.begin_object().key("gateway").string(gateway.name());
  more(json);
  json.end_object();
  return r;
}

size_t model_count(const Gateway& gateway) {
  std::shared_ptr<const Catalog> catalog = gateway.catalog();
  return catalog ? catalog->size() : 0;
}

ApiResponse swap_answer(const Gateway& gateway, const SwapRecord& swap) {
  ApiResponse r = gateway_answer(gateway, [&](JsonWriter& json) {
    json.key("from").string(to_valid_utf8(swap.from));
    json.key("to").string(to_valid_utf8(swap.to));
    json.key("outcome").string(to_valid_utf8(swap.outcome()));
    json.key("models").integer(static_cast<int64_t>(model_count(gateway)));
  });
  r.status = swap.ok() ? 200 : 422;
  return r;
}

ApiResponse later(std::function<ApiResponse()> work) {
  ApiResponse r;
  r.route = Route::admin;
  r.deferred = std::move(work);
  return r;
}

// The gateway the route's {name} names; a 404 naming it when there is none.
std::shared_ptr<Gateway> named_gateway(const CatalogRegistry& catalogs, const RouteCall& call) {
  std::shared_ptr<Gateway> gateway = catalogs.find(call.args.front());
  if (!gateway) throw NotFound("no gateway '" + call.args.front().substr(0, 64) + "'");
  return gateway;
}

// "Bearer" in any case (RFC 9110 11.1: auth schemes are case-insensitive), then the token.
bool bearer(std::string_view auth, std::string_view& token) {
  constexpr std::string_view scheme = "bearer ";
  if (auth.size() < scheme.size()) return false;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(auth[i])) != scheme[i]) return false;
  token = auth.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<ApiResponse> Api::refuse_admin(const ApiRequest& req) const {
  std::string_view token;
  if (!bearer(req.authorization, token)) {
    ApiResponse r = admin_error(401, "the admin API needs Authorization: Bearer <token>");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gatehouse admin\"");
    return r;
  }
  if (!same_token(token, settings_.admin_token)) return admin_error(403, "wrong admin token");
  return std::nullopt;
}

ApiResponse Api::rebind(const RouteCall& call) const {
  std::shared_ptr<Gateway> gateway = named_gateway(catalogs_, call);
  auto [plugin, options] = rebind_body(call.request.body);
  return later([this, gateway, plugin = plugin, options = options] {
    try {
      return swap_answer(*gateway, catalogs_.rebind(gateway->name(), plugin, options));
    } catch (const std::invalid_argument& e) {
      return admin_error(400, e.what());
    } catch (const ChangeInProgress& e) {
      return admin_error(409, e.what());
    }
  });
}

ApiResponse Api::refresh(const RouteCall& call) const {
  std::shared_ptr<Gateway> gateway = named_gateway(catalogs_, call);
  return later([gateway] {
    FetchOutcome outcome = gateway->refresh_now();
    if (outcome.result == FetchResult::busy) return admin_error(409, outcome.detail);
    if (!outcome.ok()) return admin_error(502, outcome.detail);
    return gateway_answer(*gateway, [&](JsonWriter& json) {
      json.key("outcome").string("ok");
      json.key("models").integer(static_cast<int64_t>(model_count(*gateway)));
    });
  });
}

// Off the I/O thread: forgetting a catalog rebuilds the merge and removes a snapshot file.
ApiResponse Api::clear_cache(const RouteCall& call) const {
  std::shared_ptr<Gateway> gateway = named_gateway(catalogs_, call);
  return later([gateway] {
    gateway->clear();
    return gateway_answer(*gateway, [](JsonWriter& json) { json.key("cleared").boolean(true); });
  });
}

// POST /admin/reload: the same as SIGHUP.
ApiResponse Api::reload(const RouteCall&) const {
  if (!reload_) return admin_error(404, "this server has no config file to reload");
  return later([this] {
    ReloadReport report = reload_();
    if (report.busy) return admin_error(409, report.error);
    if (!report.error.empty())
      return admin_error(400, "config rejected, nothing changed: " + report.error);
    ApiResponse r;
    r.route = Route::admin;
    JsonWriter json(r.body);
    json.begin_object().key("outcome").string("ok").key("changes").begin_array();
    for (const std::string& change : report.changes) json.string(to_valid_utf8(change));
    json.end_array().end_object();
    return r;
  });
}

}  // namespace gatehouse
