// What one fetch of a gateway's catalog came to.
#pragma once

#include "catalog/catalog.hpp"

#include <memory>
#include <string>
#include <vector>

namespace gatehouse {

enum class FetchResult {
  ok,
  no_plugin,       // the gateway's plugin was rejected: nothing to fetch with
  plugin_failed,   // the plugin returned an error (its upstream, its options, ...)
  host_failed,     // the host failed around the plugin (out of memory, say)
  too_few_models,  // fewer valid models than min_models: suspicious, not installed
  superseded,      // the gateway was rebound while this ran: the result belongs to no one
  busy,            // a fetch of this gateway runs already: one at a time per gateway
};

struct FetchOutcome {
  FetchResult result = FetchResult::ok;
  std::shared_ptr<const Catalog> catalog;  // when ok
  std::string detail;                      // why not, in words
  std::vector<std::string> warnings;       // when ok: what the plugin warned of meanwhile

  bool ok() const { return result == FetchResult::ok; }
  static FetchOutcome failed(FetchResult result, std::string detail) {
    return {result, nullptr, std::move(detail), {}};
  }
};

}  // namespace gatehouse
