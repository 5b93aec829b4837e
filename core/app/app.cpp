#include "app/app.hpp"

#include "app/service_notify.hpp"
#include "support/log.hpp"

#include <csignal>
#include <cstdlib>

namespace gatehouse {
namespace {

HttpClient make_http_client(const HttpClientSettings& settings) {
  try {
    return HttpClient(settings);
  } catch (const std::runtime_error& e) {
    throw StartError(App::exit_bad_config, e.what());
  }
}

HttpServer make_server(const Config& config, const Api& api, HttpMetrics& metrics,
                       ServerLimits limits) {
  limits.max_connections = config.max_connections;
  try {
    return HttpServer(config.listen, config.threads, api, metrics, limits);
  } catch (const std::runtime_error& e) {
    throw StartError(App::exit_cannot_listen, e.what());
  }
}

ApiSettings api_settings(const Config& config, const AppOptions& options) {
  return {std::chrono::milliseconds(config.cache.first_fetch_wait_ms), options.admin_token};
}

// What a reload cannot apply, and would lose data or every gateway by applying silently.
std::string refusal(const Config& now, const Config& next) {
  if (next.gateways.empty())
    return next.source.string() +
           ": no gateways; a reload never removes them all (stop the server for that)";
  if (!(next.cache == now.cache))
    return next.source.string() +
           ": [cache] changed; its settings (dir, waits, backoff) apply at start: restart to "
           "change them";
  return "";
}

}  // namespace

App::App(Config config, AppOptions options)
    : config_(std::move(config)),
      clock_(options.clock ? *options.clock : system_clock()),
      http_(make_http_client(config_.http)),
      catalogs_(config_.gateways, config_.plugins, config_.cache, HostContext{&http_, &clock_}),
      api_(catalogs_, metrics_, api_settings(config_, options), [this] { return reload(false); }),
      server_(make_server(config_, api_, metrics_, options.limits)) {
  if (options.handle_signals) signals_.emplace([this](int signal) { on_signal(signal); });
}

App::~App() {
  signals_.reset();  // no signal handler runs into what is being taken down
  stop();
  http_.stop();      // a fetch waiting to retry ends now instead of holding the exit
  catalogs_.stop();  // blocking work in flight reports to sessions that still exist
}

int App::run() {
  if (stopping_) return stopped_by_;  // stopped (a signal during start-up) before it ran
  catalogs_.start();
  log_info("ready: serving " + std::to_string(catalogs_.gateways()->gateways.size()) +
           " gateway(s) on http://" + config_.listen.host + ":" + std::to_string(port()));
  // Listening since construction (connections wait in the backlog) and taking signals.
  notify_service_manager("READY=1");
  server_.run();
  return stopped_by_.load();
}

void App::stop() {
  if (!stopping_.exchange(true)) notify_service_manager("STOPPING=1");
  server_.stop();
}

void App::on_signal(int signal) {
  if (signal == SIGHUP) {
    log_info("SIGHUP: reloading " + config_.source.string());
    reload_on_signal();
    return;
  }
  log_info(std::string("stopping on ") + (signal == SIGINT ? "SIGINT" : "SIGTERM"));
  stopped_by_ = signal;
  stop();
}

void App::reload_on_signal() {
  hup_pending_ = true;
  if (hup_running_.exchange(true)) return;  // the job running now takes this one too
  catalogs_.run_blocking([this] {
    do {
      while (hup_pending_.exchange(false)) reload(true);
      hup_running_ = false;
      // A SIGHUP between the last look and now found the job running: take it here.
    } while (hup_pending_ && !hup_running_.exchange(true));
  });
}

ReloadReport App::reload(bool wait) {
  ReloadReport report;
  Config next;
  try {
    next = load_config(config_.source);
    report.error = refusal(config_, next);
  } catch (const ConfigError& e) {
    report.error = e.what();
  }
  if (!report.error.empty()) {
    log_error("reload rejected, nothing changed: " + report.error);
    return report;
  }
  try {
    report.changes = catalogs_.apply(next.gateways, next.plugins, wait);
  } catch (const ChangeInProgress& e) {
    report.error = e.what();
    report.busy = true;
    log_warn(std::string("reload not run: ") + e.what());
    return report;
  }
  // Said, not silently dropped: the client is made once. ([server] is not compared: the
  // command line may override what the file says.)
  if (!(next.http == config_.http))
    report.changes.push_back("[http] changed: applies at the next restart");
  for (const std::string& change : report.changes) log_info("reload: " + change);
  if (report.changes.empty()) log_info("reload: nothing changed");
  return report;
}

}  // namespace gatehouse
