// A plugin built on plugin.hpp that emits models from JSON in the catalog's own shape:
// [{"id", "name", "created", "downloads", "likes", "pipeline_tag", "inputs", "outputs",
//   "metrics"}]. Tests drive it to reach every path of the host without an upstream.
// Options: `throw` = "error" | "std" | "unknown" makes normalize throw that kind.
#include <gatehouse/plugin.hpp>

#include <simdjson.h>

#include <string>
#include <vector>

namespace {

namespace od = simdjson::ondemand;

std::string_view string_field(od::object& o, std::string_view key) {
  std::string_view value;
  return o[key].get_string().get(value) == simdjson::SUCCESS ? value : std::string_view();
}

std::optional<int64_t> int_field(od::object& o, std::string_view key) {
  int64_t value;
  if (o[key].get_int64().get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

std::vector<std::string_view> strings_field(od::object& o, std::string_view key) {
  std::vector<std::string_view> out;
  od::array array;
  if (o[key].get_array().get(array) != simdjson::SUCCESS) return out;
  for (auto item : array) out.push_back(item.get_string().value());
  return out;
}

class FixturePlugin {
 public:
  explicit FixturePlugin(gatehouse::Host host) : host_(host) {
    host_.require_known_options({"throw"});
    throw_ = host_.option_or("throw", "");
    if (throw_ != "" && throw_ != "error" && throw_ != "std" && throw_ != "unknown")
      throw gatehouse::Error(GATEHOUSE_ERR_CONFIG, "option 'throw' must be error, std or unknown");
  }

  void fetch(gatehouse::ModelSink&) {
    throw gatehouse::Error(GATEHOUSE_ERR_UNSUPPORTED, "the fixture plugin has no upstream");
  }

  void normalize(std::string_view bytes, gatehouse::ModelSink& sink) {
    if (throw_ == "error") throw gatehouse::Error(GATEHOUSE_ERR_UPSTREAM, "told to fail");
    if (throw_ == "std") throw std::runtime_error("told to throw std::runtime_error");
    if (throw_ == "unknown") throw 42;
    simdjson::padded_string padded(bytes);
    od::document doc = parser_.iterate(padded);
    // Fields are read in the order the objects are written: On-Demand reads forward.
    for (od::object o : doc.get_array()) {
      gatehouse::Model model;
      model.id = string_field(o, "id");
      model.name = string_field(o, "name");
      model.created = int_field(o, "created");
      model.downloads = int_field(o, "downloads");
      model.likes = int_field(o, "likes");
      model.pipeline_tag = string_field(o, "pipeline_tag");
      std::vector<std::string_view> inputs = strings_field(o, "inputs");
      std::vector<std::string_view> outputs = strings_field(o, "outputs");
      model.input_modalities = inputs;
      model.output_modalities = outputs;
      od::object metrics;
      if (o["metrics"].get_object().get(metrics) == simdjson::SUCCESS) {
        model.metrics_key = "fixture_metrics";
        model.metrics_json = metrics.raw_json().value();
      }
      sink.emit(model);
    }
  }

 private:
  gatehouse::Host host_;
  std::string throw_;
  od::parser parser_;
};

}  // namespace

GATEHOUSE_PLUGIN(FixturePlugin, "fixture", "0.3.0", "Models from JSON in the catalog's shape")
