#include "app/command_line.hpp"

namespace gatehouse {

const char* const usage_text =
    "Usage:\n"
    "  gatehouse [--config PATH] [--listen HOST:PORT]\n"
    "      Load every gateway's plugin from the config (default ./config.toml) and serve.\n"
    "  gatehouse --check-config [--config PATH]\n"
    "      Validate the config, load every gateway's plugin and create it with its\n"
    "      options, and print what would be served; fetch nothing. Exit status 0, or 2.\n"
    "  gatehouse check-plugin PLUGIN.so [--sample FILE] [--option KEY=VALUE]...\n"
    "      Load one plugin, print its descriptor, create it with the options, and with\n"
    "      --sample normalize recorded upstream bytes: prints the model count and the\n"
    "      first model as JSON. Exit status 0 only when all of it worked.\n"
    "  gatehouse --help | --version\n"
    "\n"
    "Environment: GATEHOUSE_LOG_LEVEL=debug|info|warn|error (default info).\n";

namespace {

// Walks the arguments; every option that takes a value takes the next argument.
class Args {
 public:
  explicit Args(const std::vector<std::string>& args) : args_(args) {}
  bool done() const { return next_ >= args_.size(); }
  const std::string& take() { return args_[next_++]; }
  const std::string& value_of(const std::string& option) {
    if (done()) throw UsageError(option + " needs a value");
    return take();
  }

 private:
  const std::vector<std::string>& args_;
  size_t next_ = 0;
};

CheckPluginRequest parse_check_plugin(Args& args) {
  CheckPluginRequest request;
  while (!args.done()) {
    const std::string& arg = args.take();
    if (arg == "--sample") {
      request.sample = args.value_of(arg);
    } else if (arg == "--option") {
      const std::string& pair = args.value_of(arg);
      size_t eq = pair.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError("--option takes KEY=VALUE, got '" + pair + "'");
      std::string key = pair.substr(0, eq);
      for (const auto& [k, v] : request.options)
        if (k == key) throw UsageError("--option " + key + " given twice");
      request.options.emplace_back(key, pair.substr(eq + 1));
    } else if (arg.starts_with("-") || !request.plugin.empty()) {
      throw UsageError("check-plugin: unexpected argument '" + arg + "'");
    } else {
      request.plugin = arg;
    }
  }
  if (request.plugin.empty()) throw UsageError("check-plugin needs the path of a plugin .so");
  return request;
}

}  // namespace

Command parse_command_line(const std::vector<std::string>& argv) {
  Args args(argv);
  if (!args.done() && argv.front() == "check-plugin") {
    args.take();
    return parse_check_plugin(args);
  }
  ServeCommand serve;
  bool check_config = false;
  while (!args.done()) {
    const std::string& arg = args.take();
    if (arg == "--help" || arg == "-h") return HelpCommand{};
    if (arg == "--version") return VersionCommand{};
    if (arg == "--check-config")
      check_config = true;
    else if (arg == "--config")
      serve.config = args.value_of(arg);
    else if (arg == "--listen")
      serve.listen = args.value_of(arg);
    else
      throw UsageError("unknown argument '" + arg + "'");
  }
  if (!check_config) return serve;
  if (serve.listen) throw UsageError("--check-config takes --config only, not --listen");
  return CheckConfigCommand{serve.config};
}

}  // namespace gatehouse
