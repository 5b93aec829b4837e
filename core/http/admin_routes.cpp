// The admin routes of the HTTP API: rebind a gateway's plugin, refresh it, clear its
// cache. Present only when a token is configured; every call must carry it.
#include "http_api.hpp"
#include "json_text.hpp"

#include <simdjson.h>

#include <stdexcept>

namespace gatehouse {
namespace {

ApiResponse admin_json(unsigned status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.route = Route::admin;
  r.body = std::move(body);
  return r;
}

ApiResponse admin_error(unsigned status, const std::string& detail) {
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

// Option values as config.toml spells them: text, numbers and booleans as text, lists
// of strings comma-joined. Throws std::invalid_argument naming the option.
PluginOptions options_from(simdjson::dom::object options) {
  PluginOptions out;
  for (auto [key, value] : options) {
    std::string name(key), text;
    if (value.is_string()) {
      text = std::string(std::string_view(value.get_string().value()));
    } else if (value.is_int64()) {
      text = std::to_string(int64_t(value.get_int64().value()));
    } else if (value.is_bool()) {
      text = value.get_bool().value() ? "true" : "false";
    } else if (value.is_array()) {
      simdjson::dom::array items = value.get_array().value();  // named: loops over it
      for (simdjson::dom::element item : items) {
        if (!item.is_string())
          throw std::invalid_argument("option '" + name + "' must list only strings");
        if (!text.empty()) text += ",";
        text += std::string_view(item.get_string().value());
      }
    } else {
      throw std::invalid_argument("option '" + name +
                                  "' must be a string, integer, boolean or list of strings");
    }
    out.emplace_back(std::move(name), std::move(text));
  }
  return out;
}

std::string swap_json(const std::string& gateway, const SwapRecord& swap, size_t models) {
  std::string body = "{\"gateway\":";
  append_json_string(body, gateway);
  body += ",\"from\":";
  append_json_string(body, swap.from);
  body += ",\"to\":";
  append_json_string(body, swap.to);
  body += ",\"outcome\":";
  if (!append_json_string(body, swap.outcome)) body += "\"failed\"";
  body += ",\"models\":" + std::to_string(models) + "}";
  return body;
}

}  // namespace

ApiResponse Api::admin(const ApiRequest& req, std::string_view path) const {
  std::string_view auth = req.authorization;
  if (!auth.starts_with("Bearer ")) {
    ApiResponse r = admin_error(401, "the admin API needs Authorization: Bearer <token>");
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gatehouse admin\"");
    return r;
  }
  if (!same_token(auth.substr(7), admin_token_)) return admin_error(403, "wrong admin token");

  if (path == "/admin/reload") return reload(req);

  // /admin/gateways/{name}/{plugin|refresh|cache}
  constexpr std::string_view prefix = "/admin/gateways/";
  size_t slash = path.find('/', prefix.size());
  if (!path.starts_with(prefix) || slash == std::string_view::npos)
    return admin_error(404, "no admin route " + std::string(path.substr(0, 200)));
  std::string name(path.substr(prefix.size(), slash - prefix.size()));
  std::string_view action = path.substr(slash + 1);
  std::shared_ptr<Gateway> gateway = catalogs_.find(name);
  const std::pair<std::string_view, std::string_view> routes[] = {
      {"plugin", "PUT"}, {"refresh", "POST"}, {"cache", "DELETE"}};
  auto route = std::find_if(std::begin(routes), std::end(routes),
                            [&](const auto& r) { return r.first == action; });
  if (route == std::end(routes))
    return admin_error(404, "no admin route " + std::string(path.substr(0, 200)));
  if (req.method != route->second) {
    ApiResponse r =
        admin_error(405, "use " + std::string(route->second) + " on " + std::string(path));
    r.headers.emplace_back("Allow", std::string(route->second));
    return r;
  }
  if (!gateway) return admin_error(404, "no gateway '" + name.substr(0, 64) + "'");

  if (action == "cache") {
    gateway->clear();
    return admin_json(200, "{\"gateway\":\"" + gateway->name() + "\",\"cleared\":true}");
  }
  ApiResponse later;
  later.route = Route::admin;
  if (action == "refresh") {
    later.deferred = [gateway] {
      std::string error = gateway->refresh_now();
      if (!error.empty()) return admin_error(502, error);
      auto catalog = gateway->catalog();
      return admin_json(200, "{\"gateway\":\"" + gateway->name() + "\",\"outcome\":\"ok\"," +
                                 "\"models\":" + std::to_string(catalog ? catalog->size() : 0) +
                                 "}");
    };
    return later;
  }
  // PUT .../plugin {"plugin": NAME, "options": {...}}
  simdjson::dom::parser parser;
  simdjson::dom::element body;
  std::string_view plugin;
  if (parser.parse(req.body.data(), req.body.size()).get(body) || !body.is_object() ||
      body["plugin"].get_string().get(plugin))
    return admin_error(400, "body must be {\"plugin\": NAME, \"options\": {...}}");
  PluginOptions options;
  simdjson::dom::object given;
  if (body["options"].get_object().get(given) == simdjson::SUCCESS) {
    try {
      options = options_from(given);
    } catch (const std::invalid_argument& e) {
      return admin_error(400, e.what());
    }
  }
  later.deferred = [this, gateway, plugin = std::string(plugin), options]() {
    SwapRecord swap;
    try {
      swap = catalogs_.rebind(gateway->name(), plugin, options);
    } catch (const std::invalid_argument& e) {
      return admin_error(400, e.what());
    }
    auto catalog = gateway->catalog();
    ApiResponse r = admin_json(swap.outcome == "ok" ? 200 : 422,
                               swap_json(gateway->name(), swap, catalog ? catalog->size() : 0));
    return r;
  };
  return later;
}

// POST /admin/reload: the same as SIGHUP.
ApiResponse Api::reload(const ApiRequest& req) const {
  if (req.method != "POST") {
    ApiResponse r = admin_error(405, "use POST on /admin/reload");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  ApiResponse later;
  later.route = Route::admin;
  later.deferred = [this] {
    CatalogService::ReloadReport report = catalogs_.reload();
    if (!report.error.empty())
      return admin_error(400, "config rejected, nothing changed: " + report.error);
    std::string body = "{\"outcome\":\"ok\",\"changes\":[";
    for (size_t i = 0; i < report.changes.size(); ++i) {
      if (i) body += ",";
      if (!append_json_string(body, report.changes[i])) body += "\"?\"";
    }
    return admin_json(200, body + "]}");
  };
  return later;
}

void Api::run_blocking(std::function<ApiResponse()> work,
                       std::function<void(ApiResponse)> done) const {
  catalogs_.run_blocking([work = std::move(work), done = std::move(done)] {
    ApiResponse r;
    try {
      r = work();
    } catch (const std::exception& e) {
      r = admin_error(500, e.what());
    }
    done(std::move(r));
  });
}

}  // namespace gatehouse
