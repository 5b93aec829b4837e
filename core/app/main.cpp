#include "app/app.hpp"
#include "app/check_config.hpp"
#include "app/check_plugin.hpp"
#include "app/command_line.hpp"
#include "app/config.hpp"
#include "app/signal_watcher.hpp"
#include "support/log.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>

namespace gatehouse {
namespace {

// SIGHUP's default action ends the process, and a SIGHUP may come while it starts (systemd's
// reload right after a restart). Blocked from the first code of this binary that runs (the
// executable's .preinit_array comes before any constructor, its libraries' too); serve()
// then blocks the rest, and the signal watcher takes a SIGHUP held meanwhile as a reload.
void block_sighup_at_exec(int, char**, char**) {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  sigprocmask(SIG_BLOCK, &hup, nullptr);
}
[[gnu::section(".preinit_array"),
  gnu::used]] void (*const block_sighup)(int, char**, char**) = &block_sighup_at_exec;

std::string admin_token(const Config& config) {
  const char* token = std::getenv(config.admin_token_env.c_str());
  log_info(token && *token ? "admin API enabled (token from " + config.admin_token_env + ")"
                           : "admin API disabled (" + config.admin_token_env + " is not set)");
  return token ? token : "";
}

int serve(const ServeCommand& command) {
  // First, before any thread exists: no signal can arrive before someone takes it.
  SignalWatcher::block_signals();
  Config config;
  try {
    config = load_config(command.config);
    if (command.listen) config.listen = parse_listen_address(*command.listen, "--listen");
  } catch (const std::exception& e) {  // ConfigError, or a bad --listen
    log_error(e.what());
    return App::exit_bad_config;
  }
  log_info("gatehouse " GATEHOUSE_VERSION " starting with " + config.source.string());
  try {
    App app(config, {admin_token(config), {}, nullptr, true});
    app.run();
    return 0;
  } catch (const StartError& e) {
    log_error(e.what());
    return e.exit_code();
  }
}

int run(const std::vector<std::string>& args) {
  if (const char* level = std::getenv("GATEHOUSE_LOG_LEVEL")) {
    LogLevel parsed;
    if (!parse_log_level(level, parsed)) {
      std::cerr << "GATEHOUSE_LOG_LEVEL must be debug, info, warn or error\n";
      return App::exit_bad_config;
    }
    set_log_level(parsed);
  }
  Command command;
  try {
    command = parse_command_line(args);
  } catch (const UsageError& e) {
    std::cerr << "gatehouse: " << e.what() << "\n\n" << usage_text;
    return App::exit_bad_config;
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
  if (auto* check = std::get_if<CheckConfigCommand>(&command))
    return check_config(check->config, std::cout, std::cerr);
  if (auto* check = std::get_if<CheckPluginRequest>(&command))
    return check_plugin(*check, std::cout, std::cerr);
  return serve(std::get<ServeCommand>(command));
}

}  // namespace
}  // namespace gatehouse

int main(int argc, char** argv) {
  return gatehouse::run(std::vector<std::string>(argv + 1, argv + argc));
}
