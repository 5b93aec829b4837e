// The whole server, wired once: main and the tests run the same object. Members are
// declared in construction order; ~App stops them in the order their work depends on.
#pragma once

#include "app/config.hpp"
#include "app/signal_watcher.hpp"
#include "catalog/catalog_registry.hpp"
#include "http/api.hpp"
#include "http/http_server.hpp"
#include "http/metrics.hpp"
#include "plugin_host/http_client.hpp"
#include "support/clock.hpp"

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>

namespace gatehouse {

struct AppOptions {
  std::string admin_token;       // empty: no admin API
  ServerLimits limits;           // the server's request limits
  const Clock* clock = nullptr;  // null: the system clock (tests pass a ManualClock)
  // Take SIGINT/SIGTERM (stop) and SIGHUP (reload). Needs SignalWatcher::block_signals()
  // to have run in main before any thread started.
  bool handle_signals = false;
};

// Why the app could not start, with the process exit status that says so.
class StartError : public std::runtime_error {
 public:
  StartError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

class App {
 public:
  static constexpr int exit_cannot_listen = 1;
  static constexpr int exit_bad_config = 2;

  // Loads every gateway's plugin and snapshot and binds the listening socket. Throws
  // StartError.
  App(Config config, AppOptions options = {});
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Starts the first fetches and serves until stop() or SIGINT/SIGTERM. Returns the signal
  // that stopped it, or 0.
  int run();
  void stop();  // from any thread

  uint16_t port() const { return server_.port(); }
  CatalogRegistry& catalogs() { return catalogs_; }
  // Re-reads the config file and applies the difference; a config with errors changes
  // nothing. Blocks (rebinds fetch first). With `wait` false (POST /admin/reload) it is
  // refused (busy) while another rebind or reload runs; SIGHUP waits its turn.
  ReloadReport reload(bool wait);

 private:
  void on_signal(int signal);
  // SIGHUPs that come while one is applied are taken together, once it is done.
  void reload_on_signal();

  Config config_;
  const Clock& clock_;
  HttpClient http_;
  CatalogRegistry catalogs_;
  HttpMetrics metrics_;
  Api api_;
  HttpServer server_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> hup_pending_{false}, hup_running_{false};
  std::atomic<int> stopped_by_{0};
  std::optional<SignalWatcher> signals_;
};

}  // namespace gatehouse
