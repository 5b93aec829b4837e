// Drives a built plugin in process: create it with options, collect what it emits as the
// host would keep it (checked and rendered), and read the models' JSON back.
#pragma once

#include "catalog/model_record.hpp"
#include "harness/paths.hpp"
#include "plugin_host/plugin_instance.hpp"

#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace gatehouse::test {

inline std::filesystem::path built_plugin(const std::string& name) {
  return std::filesystem::path(GATEHOUSE_PLUGIN_DIR) / (name + ".so");
}

inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(GATEHOUSE_FIXTURES_DIR) / name;
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Emitted {
  CallResult result;
  std::vector<ModelRecord> models;
  std::vector<std::string> invalid;  // reasons the host would drop a model

  const ModelRecord* find(const std::string& id) const {
    for (const auto& m : models)
      if (m.id == id) return &m;
    return nullptr;
  }
};

template <class Call>
Emitted collect(Call&& call) {
  Emitted out;
  out.result = call([&](const gatehouse_model& m) {
    try {
      out.models.push_back(make_model_record(m, "hug"));
    } catch (const InvalidModel& e) {
      out.invalid.push_back(e.what());
    }
    return GATEHOUSE_OK;
  });
  return out;
}

inline Emitted normalize(PluginInstance& plugin, const std::string& bytes) {
  return collect([&](const ModelCallback& cb) { return plugin.normalize(bytes, cb); });
}

inline Emitted fetch(PluginInstance& plugin) {
  return collect([&](const ModelCallback& cb) { return plugin.fetch(cb); });
}

// A model's JSON, parsed (the parser lives as long as this object).
class ModelJson {
 public:
  explicit ModelJson(const ModelRecord& m) : text_(m.json) { root_ = parser_.parse(text_).value(); }
  simdjson::dom::element operator[](std::string_view key) const { return root_[key].value(); }
  simdjson::dom::element metrics(std::string_view key) const {
    return root_["huggingface_metrics"][key].value();
  }

 private:
  std::string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

}  // namespace gatehouse::test
