// Every gateway of the config, the merged `all` catalog, and name/alias lookup.
#pragma once

#include "blocking_pool.hpp"
#include "config.hpp"
#include "gateway.hpp"
#include "gateway_bindings.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

class CatalogService {
 public:
  // Loads each gateway's snapshot; fetching starts with start().
  CatalogService(const Config& config, std::vector<GatewayBinding> bindings);
  ~CatalogService();  // waits for fetches in flight

  // Starts the first refresh of every gateway.
  void start();

  // By slot name or alias (lower-case); null when unknown.
  Gateway* find(std::string_view name) const;
  const std::vector<std::shared_ptr<Gateway>>& gateways() const { return gateways_; }
  // "hug, huggingface, portkey, all": what `gateway=` accepts, for error messages.
  const std::string& known_names() const { return known_names_; }

  // The merge of every gateway's catalog, null until one has data.
  std::shared_ptr<const Catalog> merged() const { return merged_.load(); }

 private:
  void rebuild_merged();

  std::vector<std::shared_ptr<Gateway>> gateways_;
  std::string known_names_;
  std::atomic<std::shared_ptr<const Catalog>> merged_;
  std::mutex merge_mutex_;  // one rebuild at a time; readers never take it
  // Declared last: destroyed first, so no fetch outlives the members it uses.
  BlockingPool pool_;
};

}  // namespace gatehouse
