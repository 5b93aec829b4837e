#include "check_plugin.hpp"
#include "command_line.hpp"
#include "config.hpp"
#include "gateway_bindings.hpp"
#include "log.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>

namespace gatehouse {
namespace {

constexpr int exit_usage = 2;

// Blocks until SIGINT or SIGTERM. Called with both signals already blocked in every thread.
int wait_for_stop_signal(const sigset_t& signals) {
  int signal = 0;
  sigwait(&signals, &signal);
  return signal;
}

int serve(const ServeCommand& command) {
  // Blocked before any thread starts, so every thread inherits the mask and the signal
  // is only ever taken by sigwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Config config;
  try {
    config = load_config(command.config);
    if (command.listen) config.listen = parse_listen_address(*command.listen, "--listen");
  } catch (const ConfigError& e) {
    log_error(e.what());
    return exit_usage;
  }
  log_info("gatehouse " GATEHOUSE_VERSION " starting with " + config.source.string());
  std::vector<GatewayBinding> bindings = bind_gateways(config);
  size_t loaded = 0;
  for (const auto& b : bindings) loaded += b.instance != nullptr;
  log_info("ready: " + std::to_string(loaded) + " of " + std::to_string(bindings.size()) +
           " gateway(s) loaded; HTTP API on " + config.listen.host + ":" +
           std::to_string(config.listen.port) + " is not served by this build yet");
  int signal = wait_for_stop_signal(stop_signals);
  log_info(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
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
