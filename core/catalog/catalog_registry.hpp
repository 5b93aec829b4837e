// Every gateway slot, in config order, and the merged `all` catalog, published together:
// once a gateway's new catalog can be read, the merge already includes it. Also the
// run-time changes: rebinding a slot's plugin and applying a re-read config.
#pragma once

#include "catalog/gateway.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "support/blocking_pool.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

// The gateways in config order. Replaced whole when the config changes, so a reader
// holds one consistent list.
struct GatewayList {
  std::vector<std::shared_ptr<Gateway>> gateways;
  std::string known_names;  // "hug, huggingface, portkey, all", for error messages

  // By slot name or alias (lower-case); null when unknown.
  std::shared_ptr<Gateway> find(std::string_view name) const;
};

// What a reload did, one line per gateway added, removed, rebound or reconfigured; or
// why the new config was refused (then nothing changed).
struct ReloadReport {
  std::string error;
  bool busy = false;  // refused because another rebind or reload was running
  std::vector<std::string> changes;
};

// A rebind or reload was asked for while another ran: one at a time, and a caller that
// cannot wait is told instead of holding a fetch thread until the other ends.
class ChangeInProgress : public std::runtime_error {
 public:
  ChangeInProgress() : std::runtime_error("another rebind or reload is running; try again") {}
};

class CatalogRegistry {
 public:
  // Binds every gateway's plugin and loads its snapshot; fetching starts with start().
  // `host` (its HTTP client and clock) must outlive this.
  CatalogRegistry(const std::vector<GatewayConfig>& gateways, PluginDirectory plugins,
                  CacheSettings cache, HostContext host);
  ~CatalogRegistry();  // waits for the fetches in flight

  // Starts the first refresh of every gateway that needs one.
  void start();

  std::shared_ptr<const GatewayList> gateways() const { return gateways_.load(); }
  std::shared_ptr<Gateway> find(std::string_view name) const { return gateways()->find(name); }
  // The merge of every gateway's catalog; null until one has data.
  std::shared_ptr<const Catalog> merged() const { return merged_.load(); }
  // The fleet's shared tier's state; nullopt when there is none (no [cache] redis_url).
  std::optional<SharedHealth> shared_health() const;
  const Clock& clock() const { return *host_.clock; }

  // Runs blocking work (plugin calls) on the fetch threads.
  void run_blocking(std::function<void()> job) { pool_.post(std::move(job)); }
  // Finishes the work queued and stops the fetch threads: call it while whatever that
  // work reports to (the HTTP server's sessions) still exists.
  void stop();

  // Binds `gateway` to the plugin NAMED `plugin` in the plugin folder with `options`:
  // loads it, creates it, fetches its catalog, and only then swaps. Blocks. Throws
  // std::invalid_argument for an unknown gateway or a plugin name that is not a name.
  // Throws ChangeInProgress while another rebind or reload runs.
  SwapRecord rebind(const std::string& gateway, const std::string& plugin, PluginOptions options);

  // Applies a config's gateways: added, removed, rebound (plugin, options, or a rebuilt
  // .so), reconfigured (ttl_s, min_models, aliases). Blocks (rebinds fetch first). With
  // `wait` false, throws ChangeInProgress while another rebind or reload runs; with it
  // true, waits for that to end.
  std::vector<std::string> apply(const std::vector<GatewayConfig>& next, PluginDirectory plugins,
                                 bool wait);

 private:
  GatewayBinding bind(const GatewayConfig& config, const PluginDirectory& plugins) const;
  std::shared_ptr<Gateway> make_gateway(GatewayBinding binding);
  // Makes `next` the catalog of the gateway whose cache is `source`: the merge first, then
  // the gateway's own.
  void publish(const GatewayCache& source, const std::shared_ptr<const Catalog>& next,
               const std::function<void()>& make_visible);
  // Makes `list` the gateways in force: its merge first, then the list.
  void publish_list(std::shared_ptr<GatewayList> list);
  // Builds each catalog's indexes (when it was published without them) and deflates its
  // full list, on a fetch thread, off the publication.
  void prepare(std::initializer_list<std::shared_ptr<const Catalog>> catalogs);
  // The merge of `list`'s catalogs, with `next` in place of the one `source` owns.
  static std::shared_ptr<const Catalog> merge(const GatewayList& list, const GatewayCache* source,
                                              const std::shared_ptr<const Catalog>& next);

  PluginDirectory plugins_;
  const CacheSettings cache_;
  const HostContext host_;
  // Before the pool: it outlives the fetches that use it.
  std::unique_ptr<SharedCatalogs> shared_;
  std::once_flag watching_;
  std::atomic<std::shared_ptr<const GatewayList>> gateways_;
  std::atomic<std::shared_ptr<const Catalog>> merged_;
  std::mutex publish_mutex_;  // one publication at a time; readers never take it
  std::mutex change_mutex_;   // one rebind or reload at a time
  // Declared last: destroyed first, so no fetch outlives the members it uses.
  BlockingPool pool_;
};

}  // namespace gatehouse
