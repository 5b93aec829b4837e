#include "catalog_service.hpp"
#include "check_plugin.hpp"
#include "command_line.hpp"
#include "config.hpp"
#include "gateway_bindings.hpp"
#include "http_api.hpp"
#include "http_client.hpp"
#include "http_server.hpp"
#include "log.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>

namespace gatehouse {
namespace {

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

int serve(const ServeCommand& command) {
  Config config;
  try {
    config = load_config(command.config);
    if (command.listen) config.listen = parse_listen_address(*command.listen, "--listen");
  } catch (const ConfigError& e) {
    log_error(e.what());
    return exit_usage;
  }
  log_info("gatehouse " GATEHOUSE_VERSION " starting with " + config.source.string());
  std::optional<HttpClient> http;
  try {
    http.emplace(client_settings(config.http));
  } catch (const std::runtime_error& e) {
    log_error(e.what());
    return exit_usage;
  }
  CatalogService catalogs(config, bind_gateways(config, &*http), &*http);
  HttpMetrics http_metrics;
  const char* admin_token = std::getenv(config.admin_token_env.c_str());
  Api api(catalogs, http_metrics, config.cache.first_fetch_wait_ms, admin_token ? admin_token : "");
  log_info(admin_token && *admin_token
               ? "admin API enabled (token from " + config.admin_token_env + ")"
               : "admin API disabled (" + config.admin_token_env + " is not set)");
  std::optional<HttpServer> server;
  try {
    server.emplace(config.listen, config.threads, api, http_metrics, true, ServerLimits{}, [&] {
      log_info("SIGHUP: reloading " + config.source.string());
      catalogs.run_blocking([&] { catalogs.reload(); });
    });
  } catch (const std::runtime_error& e) {
    log_error(e.what());
    return exit_failure;
  }
  catalogs.start();
  log_info("ready: serving " + std::to_string(catalogs.gateways()->gateways.size()) +
           " gateway(s) on http://" + config.listen.host + ":" + std::to_string(server->port()));
  int signal = server->run();
  log_info(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
  http->stop();     // a fetch waiting to retry ends now instead of holding the exit
  catalogs.stop();  // admin work in flight reports to sessions that still exist
  return 0;
}

int run(const std::vector<std::string>& args) {
  if (const char* level = std::getenv("GATEHOUSE_LOG_LEVEL")) {
    LogLevel parsed;
    if (!parse_log_level(level, parsed)) {
      std::cerr << "GATEHOUSE_LOG_LEVEL must be debug, info, warn or error\n";
      return exit_usage;
    }
    set_log_level(parsed);
  }
  Command command;
  try {
    command = parse_command_line(args);
  } catch (const UsageError& e) {
    std::cerr << "gatehouse: " << e.what() << "\n\n" << usage_text;
    return exit_usage;
  }
  if (std::holds_alternative<HelpCommand>(command)) {
    std::cout << usage_text;
    return 0;
  }
  if (std::holds_alternative<VersionCommand>(command)) {
    std::cout << "gatehouse " GATEHOUSE_VERSION " (plugin ABI " << GATEHOUSE_ABI_MAJOR << "."
              << GATEHOUSE_ABI_MINOR << ")\n";
    return 0;
  }
  if (auto* check = std::get_if<CheckPluginRequest>(&command))
    return check_plugin(*check, std::cout, std::cerr);
  return serve(std::get<ServeCommand>(command));
}

}  // namespace
}  // namespace gatehouse

int main(int argc, char** argv) {
  return gatehouse::run(std::vector<std::string>(argv + 1, argv + argc));
}
