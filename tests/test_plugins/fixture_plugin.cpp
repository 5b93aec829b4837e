// A plugin built on plugin.hpp that emits models from JSON in the catalog's own shape:
// [{"id", "name", "created", "downloads", "likes", "pipeline_tag", "inputs", "outputs",
//   "metrics"}]. Tests drive it to reach every path of the host without an upstream.
// Options: `file` is what fetch reads (missing file = upstream error; rewrite it between
// fetches to change the "upstream"), `delay_ms` makes fetch slow, `hold_while` names a file
// whose existence holds each fetch back (a test removes it to let the fetch finish),
// `log_file` gets one line per fetch (so tests count upstream calls), `throw` = "error" |
// "std" | "unknown" makes normalize throw that kind, `warn` is logged at WARN by each fetch.
#include <gatehouse/plugin.hpp>

#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
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
    host_.require_known_options({"throw", "file", "delay_ms", "log_file", "hold_while", "warn"});
    hold_while_ = host_.option_or("hold_while", "");
    throw_ = host_.option_or("throw", "");
    file_ = host_.option_or("file", "");
    log_file_ = host_.option_or("log_file", "");
    delay_ms_ = std::stoi(std::string(host_.option_or("delay_ms", "0")));
    if (throw_ != "" && throw_ != "error" && throw_ != "std" && throw_ != "unknown")
      throw gatehouse::Error(GATEHOUSE_ERR_CONFIG, "option 'throw' must be error, std or unknown");
  }

  void fetch(gatehouse::ModelSink& sink) {
    if (!log_file_.empty()) std::ofstream(log_file_, std::ios::app) << "fetch\n";
    if (auto warning = host_.option("warn")) host_.warn(*warning);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    for (int i = 0; !hold_while_.empty() && std::filesystem::exists(hold_while_) && i < 2000; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::ifstream in(file_, std::ios::binary);
    if (file_.empty() || !in)
      throw gatehouse::Error(GATEHOUSE_ERR_UPSTREAM, "cannot read '" + file_ + "'");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    normalize(bytes.str(), sink);
  }

  void normalize(std::string_view bytes, gatehouse::ModelSink& sink) {
    if (throw_ == "error") throw gatehouse::Error(GATEHOUSE_ERR_UPSTREAM, "told to fail");
    if (throw_ == "std") throw std::runtime_error("told to throw std::runtime_error");
    if (throw_ == "unknown") throw 42;
    try {
      emit_all(bytes, sink);
    } catch (const simdjson::simdjson_error& e) {
      throw gatehouse::Error(GATEHOUSE_ERR_PARSE,
                             std::string("not a fixture catalog: ") + e.what());
    }
  }

 private:
  void emit_all(std::string_view bytes, gatehouse::ModelSink& sink) {
    simdjson::padded_string padded(bytes);
    od::parser parser;  // nothing kept past the call, as JsonReader does for large input
    od::document doc = parser.iterate(padded);
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

  gatehouse::Host host_;
  std::string throw_, file_, log_file_, hold_while_;
  int delay_ms_ = 0;
};

}  // namespace

// Built twice, the second time as "a new release" with another version.
#ifndef FIXTURE_VERSION
#define FIXTURE_VERSION "0.3.0"
#endif

GATEHOUSE_PLUGIN(FixturePlugin, "fixture", FIXTURE_VERSION,
                 "Models from JSON in the catalog's shape")
