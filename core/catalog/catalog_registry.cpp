#include "catalog_service.hpp"

#include "log.hpp"

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

CatalogService::CatalogService(const Config& config, std::vector<GatewayBinding> bindings,
                               const HttpClient* http)
    : config_(config), http_(http), pool_(std::clamp<size_t>(bindings.size() + 1, 2, 8)) {
  auto list = std::make_shared<GatewayList>();
  for (GatewayBinding& b : bindings) list->gateways.push_back(make_gateway(std::move(b)));
  list->known_names = names_of(list->gateways);
  gateways_.store(list);
  rebuild_merged();
}

CatalogService::~CatalogService() = default;

std::shared_ptr<Gateway> CatalogService::make_gateway(GatewayBinding binding) {
  auto gateway = std::make_shared<Gateway>(
      std::move(binding), config_.cache,
      [this](std::function<void()> job) { pool_.post(std::move(job)); },
      [this] { rebuild_merged(); });
  gateway->load_snapshot();
  return gateway;
}

void CatalogService::start() {
  int64_t now = unix_now_ms();
  for (const auto& g : gateways()->gateways) g->refresh_if_due(now);
}

SwapRecord CatalogService::rebind(const std::string& name, const std::string& plugin,
                                  PluginOptions options) {
  std::shared_ptr<Gateway> gateway = find(name);
  if (!gateway) throw std::invalid_argument("no gateway '" + name + "'");
  if (!is_valid_name(plugin))
    throw std::invalid_argument("plugin must be a plugin NAME (1-64 of a-z 0-9 - _), not a path");
  std::lock_guard lock(change_mutex_);
  GatewayConfig next = gateway->binding()->config;
  next.plugin = plugin;
  next.options = std::move(options);
  return gateway->rebind(bind_gateway(config_, next, http_));
}

bool CatalogService::needs_rebind(const GatewayBinding& now, const Config& next_config,
                                  const GatewayConfig& next) const {
  if (plugin_path(config_, now.config.plugin) != plugin_path(next_config, next.plugin) ||
      now.config.options != next.options || !now.instance)
    return true;
  std::error_code ec;
  const LoadedPlugin& loaded = now.instance->plugin();
  return std::filesystem::last_write_time(loaded.path(), ec) != loaded.loaded_mtime();
}

CatalogService::ReloadReport CatalogService::reload() {
  ReloadReport report;
  Config next;
  try {
    next = load_config(config_.source);
  } catch (const ConfigError& e) {
    report.error = e.what();
    log_error("reload rejected, nothing changed: " + report.error);
    return report;
  }
  std::lock_guard lock(change_mutex_);
  std::shared_ptr<const GatewayList> current = gateways_.load();
  auto list = std::make_shared<GatewayList>();
  for (const GatewayConfig& g : next.gateways) {
    auto existing = std::find_if(current->gateways.begin(), current->gateways.end(),
                                 [&](const auto& x) { return x->name() == g.name; });
    if (existing == current->gateways.end()) {
      list->gateways.push_back(make_gateway(bind_gateway(next, g, http_)));
      report.changes.push_back("added " + g.name);
      continue;
    }
    std::shared_ptr<const GatewayBinding> now = (*existing)->binding();
    if (needs_rebind(*now, next, g)) {
      SwapRecord swap = (*existing)->rebind(bind_gateway(next, g, http_));
      report.changes.push_back("rebound " + g.name + " (" + swap.from + " -> " + swap.to +
                               "): " + swap.outcome);
    } else if (now->config.ttl_s != g.ttl_s || now->config.min_models != g.min_models ||
               now->config.aliases != g.aliases) {
      (*existing)->reconfigure(g);
      report.changes.push_back("reconfigured " + g.name);
    }
    list->gateways.push_back(*existing);
  }
  for (const auto& g : current->gateways)
    if (!list->find(g->name()) || list->find(g->name())->name() != g->name())
      report.changes.push_back("removed " + g->name());
  list->known_names = names_of(list->gateways);
  config_ = next;
  gateways_.store(list);
  rebuild_merged();
  start();
  for (const std::string& change : report.changes) log_info("reload: " + change);
  if (report.changes.empty()) log_info("reload: nothing changed");
  return report;
}

void CatalogService::rebuild_merged() {
  std::lock_guard lock(merge_mutex_);
  std::shared_ptr<const GatewayList> list = gateways_.load();
  if (!list) return;  // still constructing
  std::vector<std::shared_ptr<const Catalog>> parts;
  for (const auto& g : list->gateways) parts.push_back(g->catalog());
  bool any = std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p != nullptr; });
  merged_.store(any ? merge_catalogs(parts) : nullptr);
}

}  // namespace gatehouse
