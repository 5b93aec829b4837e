// Portkey's model list ({"object":"list","data":[{"id":"@provider/owner/model",...}]}) into
// catalog models: one per lower-cased id, with every Portkey provider that offers it as an
// offer (ABI 1.1) and the id after the provider prefix as the canonical id.
#pragma once

#include <gatehouse/json_reader.hpp>
#include <gatehouse/plugin.hpp>

#include <simdjson.h>

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gatehouse::portkey {

class PortkeyNormalizer {
 public:
  // Keep only models whose lower-cased id contains one of `patterns` (all when empty):
  // the legacy `hug` gateway was Portkey's catalog filtered this way.
  explicit PortkeyNormalizer(std::vector<std::string> patterns);

  using OnModel = std::function<void(const gatehouse::Model&)>;

  // Accepts a leading UTF-8 byte-order mark. Throws gatehouse::Error(PARSE) naming `where`
  // and the byte offset when the bytes are not such a list. Returns the models emitted.
  size_t normalize(std::string_view bytes, std::string_view where, const OnModel& on_model);

 private:
  struct Model {
    std::string id;  // without the "@provider/" prefix
    std::string lower_id;
    std::vector<std::string> providers;    // Portkey providers offering it, first seen first
    std::vector<std::string> portkey_ids;  // "@provider/..." as Portkey names it
    std::vector<std::string> inputs, outputs;
  };

  void collect(simdjson::ondemand::object entry, std::vector<Model>& models);
  bool wanted(const std::string& lower_id) const;

  std::vector<std::string> patterns_;
  std::unordered_map<std::string, size_t> index_;  // lower-cased id -> position in the list
  gatehouse::JsonReader reader_;
};

}  // namespace gatehouse::portkey
