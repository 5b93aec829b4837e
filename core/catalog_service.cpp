#include "catalog_service.hpp"

namespace gatehouse {

CatalogService::CatalogService(const Config& config, std::vector<GatewayBinding> bindings)
    : pool_(std::clamp<size_t>(bindings.size(), 1, 8)) {
  for (GatewayBinding& b : bindings) {
    auto gateway = std::make_shared<Gateway>(
        b.config, config.cache, std::move(b.instance), std::move(b.error),
        [this](std::function<void()> job) { pool_.post(std::move(job)); },
        [this] { rebuild_merged(); });
    gateway->load_snapshot();
    known_names_ += b.config.name + ", ";
    for (const std::string& alias : b.config.aliases) known_names_ += alias + ", ";
    gateways_.push_back(std::move(gateway));
  }
  known_names_ += "all";
  rebuild_merged();
}

CatalogService::~CatalogService() = default;

void CatalogService::start() {
  int64_t now = unix_now_ms();
  for (const auto& g : gateways_) g->refresh_if_due(now);
}

Gateway* CatalogService::find(std::string_view name) const {
  for (const auto& g : gateways_) {
    if (g->config().name == name) return g.get();
    for (const std::string& alias : g->config().aliases)
      if (alias == name) return g.get();
  }
  return nullptr;
}

void CatalogService::rebuild_merged() {
  std::lock_guard lock(merge_mutex_);
  std::vector<std::shared_ptr<const Catalog>> parts;
  for (const auto& g : gateways_) parts.push_back(g->catalog());
  bool any = std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p != nullptr; });
  merged_.store(any ? merge_catalogs(parts) : nullptr);
}

}  // namespace gatehouse
