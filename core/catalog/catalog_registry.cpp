#include "catalog/catalog_registry.hpp"

#include "support/log.hpp"
#include "support/names.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace gatehouse {
namespace {

std::string names_of(const std::vector<std::shared_ptr<Gateway>>& gateways) {
  std::string names;
  for (const auto& g : gateways) {
    auto b = g->binding();
    names += b->config.name + ", ";
    for (const std::string& alias : b->config.aliases) names += alias + ", ";
  }
  return names + "all";
}

std::unique_ptr<SharedCatalogs> make_shared_tier(const CacheSettings::Redis& redis,
                                                 const Clock& clock) {
  if (redis.url.empty()) return nullptr;
  SharedSettings settings;
  settings.redis.endpoint = parse_redis_url(redis.url);
  if (!redis.password_env.empty()) {
    const char* password = std::getenv(redis.password_env.c_str());
    if (password && *password)
      settings.redis.password = password;
    else
      log_warn("cache.redis_password_env names " + redis.password_env +
               ", which is not set: connecting to redis without AUTH");
  }
  settings.redis.connect_timeout = std::chrono::milliseconds(redis.connect_timeout_ms);
  settings.redis.command_timeout = std::chrono::milliseconds(redis.timeout_ms);
  settings.prefix = redis.prefix;
  settings.lock_ms = redis.lock_ms;
  settings.poll_ms = redis.poll_ms;
  settings.max_catalog_bytes = static_cast<size_t>(redis.max_catalog_bytes);
  // The largest reply we ask for is one gzipped catalog, with room for its framing.
  settings.redis.limits.max_reply_bytes = settings.max_catalog_bytes + (1u << 20);
  return std::make_unique<SharedCatalogs>(std::move(settings), clock);
}

bool same_cache_rules(const GatewayConfig& a, const GatewayConfig& b) {
  return a.ttl_s == b.ttl_s && a.min_models == b.min_models && a.aliases == b.aliases;
}

}  // namespace

std::shared_ptr<Gateway> GatewayList::find(std::string_view name) const {
  for (const auto& g : gateways) {
    auto b = g->binding();
    if (b->config.name == name) return g;
    for (const std::string& alias : b->config.aliases)
      if (alias == name) return g;
  }
  return nullptr;
}

CatalogRegistry::CatalogRegistry(const std::vector<GatewayConfig>& gateways,
                                 PluginDirectory plugins, CacheSettings cache, HostContext host)
    : plugins_(std::move(plugins)),
      cache_(std::move(cache)),
      host_(host),
      shared_(make_shared_tier(cache_.redis, *host.clock)),
      pool_(gateways.size() + 2) {
  auto list = std::make_shared<GatewayList>();
  for (const GatewayConfig& g : gateways) list->gateways.push_back(make_gateway(bind(g, plugins_)));
  publish_list(list);
}

CatalogRegistry::~CatalogRegistry() { stop(); }

void CatalogRegistry::stop() {
  if (shared_) shared_->stop();  // first: a fetch waiting on another replica's lock ends
  pool_.stop();
}

std::optional<SharedHealth> CatalogRegistry::shared_health() const {
  if (!shared_) return std::nullopt;
  return shared_->health();
}

GatewayBinding CatalogRegistry::bind(const GatewayConfig& config,
                                     const PluginDirectory& plugins) const {
  return {config, bind_plugin(config.name, plugins.path_of(config.plugin), config.options, host_)};
}

std::shared_ptr<Gateway> CatalogRegistry::make_gateway(GatewayBinding binding) {
  auto gateway = std::make_shared<Gateway>(
      std::move(binding), cache_, *host_.clock,
      [this](std::function<void()> job) { pool_.post(std::move(job)); },
      [this](const GatewayCache& source, const std::shared_ptr<const Catalog>& next,
             const std::function<void()>& make_visible) { publish(source, next, make_visible); },
      shared_.get());
  gateway->load_snapshot();
  return gateway;
}

std::shared_ptr<const Catalog> CatalogRegistry::merge(const GatewayList& list,
                                                      const GatewayCache* source,
                                                      const std::shared_ptr<const Catalog>& next) {
  std::vector<NamedCatalog> parts;
  for (const auto& g : list.gateways)
    parts.emplace_back(g->name(), source && g->owns(*source) ? next : g->catalog());
  std::shared_ptr<const Catalog> merged = merge_catalogs(parts);
  // As ready as its parts: after a fetch, no query of `all` goes without indexes; after a
  // restart, the snapshots are served at once and everything is indexed after (prepare()).
  bool parts_indexed = std::all_of(parts.begin(), parts.end(), [](const NamedCatalog& p) {
    return !p.second || p.second->indexed();
  });
  if (merged && parts_indexed) merged->build_indexes();
  return merged;
}

void CatalogRegistry::publish(const GatewayCache& source,
                              const std::shared_ptr<const Catalog>& next,
                              const std::function<void()>& make_visible) {
  std::lock_guard lock(publish_mutex_);
  std::shared_ptr<const GatewayList> list = gateways_.load();
  // A gateway not (or no longer, or not yet) in the list is in no merge: a removed one's
  // late fetch must not stand in for a new gateway of the same name; a new one is merged
  // with the list that brings it.
  bool listed = list && std::any_of(list->gateways.begin(), list->gateways.end(),
                                    [&](const auto& g) { return g->owns(source); });
  if (listed) merged_.store(merge(*list, &source, next));
  make_visible();
  prepare({next, listed ? merged_.load() : nullptr});
}

void CatalogRegistry::prepare(std::initializer_list<std::shared_ptr<const Catalog>> all) {
  // The merge of one gateway shares that gateway's build (the same models): one job for
  // both, not a second that would only wait on the first's call_once.
  const ModelRecords* queued = nullptr;
  for (const auto& catalog : all) {
    if (!catalog || &catalog->models() == queued) continue;
    queued = &catalog->models();
    pool_.post([catalog] {
      try {  // what fails here is only a faster answer: the catalog serves without it
        catalog->build_indexes();
        catalog->prepare_deflate();
      } catch (const std::exception& e) {
        log_error(std::string("preparing a catalog's indexes and deflate: ") + e.what());
      }
    });
  }
}

void CatalogRegistry::publish_list(std::shared_ptr<GatewayList> list) {
  list->known_names = names_of(list->gateways);
  // A fetch thread for each gateway's one fetch at a time, and two for everything else
  // (a rebind, a reload): no gateway's fetch can keep another's, or a reload, waiting.
  pool_.ensure(list->gateways.size() + 2);
  std::lock_guard lock(publish_mutex_);
  merged_.store(merge(*list, nullptr, nullptr));
  gateways_.store(list);
  prepare({merged_.load()});
}

void CatalogRegistry::start() {
  if (shared_)
    std::call_once(watching_, [this] {
      shared_->watch(
          [this](const SharedKey& key) {
            if (std::shared_ptr<Gateway> g = find(key.gateway)) g->check_shared();
          },
          [this] {
            std::shared_ptr<const GatewayList> list = gateways();
            for (const auto& g : list->gateways) g->check_shared();
          });
    });
  int64_t now = host_.clock->now_unix_ms();
  // The list held while walked: a reload may replace it meanwhile.
  std::shared_ptr<const GatewayList> list = gateways();
  for (const auto& g : list->gateways) g->refresh_if_due(now);
}

SwapRecord CatalogRegistry::rebind(const std::string& name, const std::string& plugin,
                                   PluginOptions options) {
  std::shared_ptr<Gateway> gateway = find(name);
  if (!gateway) throw std::invalid_argument("no gateway '" + name + "'");
  if (!is_valid_name(plugin))
    throw std::invalid_argument("plugin must be a plugin NAME (1-64 of a-z 0-9 - _), not a path");
  std::unique_lock lock(change_mutex_, std::try_to_lock);
  if (!lock) throw ChangeInProgress();
  GatewayConfig next = gateway->binding()->config;
  next.plugin = plugin;
  next.options = std::move(options);
  return gateway->rebind(bind(next, plugins_));
}

std::vector<std::string> CatalogRegistry::apply(const std::vector<GatewayConfig>& next,
                                                PluginDirectory plugins, bool wait) {
  std::unique_lock lock(change_mutex_, std::defer_lock);
  if (wait)
    lock.lock();
  else if (!lock.try_lock())
    throw ChangeInProgress();
  std::vector<std::string> changes;
  std::shared_ptr<const GatewayList> current = gateways_.load();
  auto list = std::make_shared<GatewayList>();
  for (const GatewayConfig& g : next) {
    auto existing = std::find_if(current->gateways.begin(), current->gateways.end(),
                                 [&](const auto& x) { return x->name() == g.name; });
    if (existing == current->gateways.end()) {
      list->gateways.push_back(make_gateway(bind(g, plugins)));
      changes.push_back("added " + g.name);
      continue;
    }
    std::shared_ptr<const GatewayBinding> now = (*existing)->binding();
    if (now->plugin.differs_from(plugins.path_of(g.plugin), g.options)) {
      SwapRecord swap = (*existing)->rebind(bind(g, plugins));
      changes.push_back("rebound " + g.name + " (" + swap.from + " -> " + swap.to +
                        "): " + swap.outcome());
    } else if (!same_cache_rules(now->config, g)) {
      (*existing)->reconfigure(g);
      changes.push_back("reconfigured " + g.name);
    }
    list->gateways.push_back(*existing);
  }
  for (const auto& g : current->gateways)
    if (std::none_of(next.begin(), next.end(), [&](const auto& c) { return c.name == g->name(); }))
      changes.push_back("removed " + g->name());
  plugins_ = std::move(plugins);
  publish_list(list);
  start();
  return changes;
}

}  // namespace gatehouse
