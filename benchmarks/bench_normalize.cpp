// Normalization throughput of each plugin, through the real ABI, beside the ceiling: a
// plain simdjson On-Demand traversal of every value of the same bytes, in the same run.
//   build/release/benchmarks/bench_normalize
#include "catalog/model_record.hpp"
#include "plugin_host/plugin_instance.hpp"
#include "plugin_host/plugin_loader.hpp"

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <sstream>

namespace gatehouse::bench {
namespace {

namespace od = simdjson::ondemand;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The Hub list repeated `copies` times, ids suffixed: a larger list of the same records.
std::string scaled_list(const std::string& list, int copies) {
  simdjson::dom::parser parser;
  simdjson::dom::array records = parser.parse(list).get_array();
  std::string out = "[";
  for (int copy = 0; copy < copies; ++copy) {
    for (simdjson::dom::element m : records) {
      std::string record = simdjson::minify(m);
      std::string id(std::string_view(m["id"].get_string().value()));
      if (copy) {
        std::string quoted = "\"" + id + "\"";
        record.replace(record.find(quoted), quoted.size(),
                       "\"" + id + "-copy" + std::to_string(copy) + "\"");
      }
      out += (out.size() > 1 ? "," : "") + record;
    }
  }
  return out + "]";
}

// simdjson reads no byte-order mark (Portkey's recording has one); the plugins skip it.
std::string_view without_bom(std::string_view bytes) {
  return bytes.starts_with("\xEF\xBB\xBF") ? bytes.substr(3) : bytes;
}

struct Input {
  std::string bytes;
  size_t records;  // upstream records in the bytes (a plugin may merge some)
};

const Input& input(const std::string& name) {
  static std::map<std::string, Input> inputs;
  auto it = inputs.find(name);
  if (it != inputs.end()) return it->second;
  const std::string dir = GATEHOUSE_FIXTURES_DIR "/";
  // list_x4 (11,268 models) and list_x36 (101,412): the recorded list repeated, ids suffixed.
  int copies = name == "huggingface/list_x4" ? 4 : name == "huggingface/list_x36" ? 36 : 0;
  std::string bytes = copies ? scaled_list(read_file(dir + "huggingface/list_2817.json"), copies)
                             : read_file(dir + name + ".json");
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(without_bom(bytes));
  simdjson::dom::array records = root.is_array() ? root.get_array() : root["data"].get_array();
  return inputs.emplace(name, Input{std::move(bytes), records.size()}).first->second;
}

// Options a plugin needs to be created at all (the normalize path reads none of them).
PluginOptions options_for(const std::string& name) {
  if (name == "openai_compatible") return {{"base_url", "http://127.0.0.1:9"}};
  return {};
}

PluginInstance& plugin(const std::string& name) {
  static std::map<std::string, std::unique_ptr<PluginInstance>> plugins;
  auto& p = plugins[name];
  if (!p)
    p = std::make_unique<PluginInstance>(
        load_plugin(std::string(GATEHOUSE_PLUGIN_DIR) + "/" + name + ".so"), "bench",
        options_for(name));
  return *p;
}

// bytes/s of input, and items/s: upstream records read per second.
void set_counters(benchmark::State& state, const Input& in) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.bytes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * in.records));
}

// The plugin alone: its normalize, the host's sink only counting.
void BM_Normalize(benchmark::State& state, const std::string& plugin_name,
                  const std::string& input_name) {
  const Input& in = input(input_name);
  PluginInstance& p = plugin(plugin_name);
  size_t models = 0;
  for (auto _ : state) {
    models = 0;
    CallResult r = p.normalize(in.bytes, [&models](const gatehouse_model&) {
      ++models;
      return GATEHOUSE_OK;
    });
    if (!r.ok()) state.SkipWithError(r.message.c_str());
  }
  state.counters["models"] = static_cast<double>(models);
  set_counters(state, in);
}

// What ingest costs in all: the plugin, then the host's check and render of each model.
void BM_NormalizeAndIngest(benchmark::State& state, const std::string& plugin_name,
                           const std::string& input_name) {
  const Input& in = input(input_name);
  PluginInstance& p = plugin(plugin_name);
  for (auto _ : state) {
    size_t bytes = 0;
    p.normalize(in.bytes, [&bytes](const gatehouse_model& m) {
      bytes += make_model_record(m, "bench").json.size();
      return GATEHOUSE_OK;
    });
    benchmark::DoNotOptimize(bytes);
  }
  set_counters(state, in);
}

void visit(od::value v, size_t& count);

void visit_object(od::object o, size_t& count) {
  for (auto field : o) {
    std::string_view key = field.unescaped_key();
    count += key.size();
    visit(field.value(), count);
  }
}

// Touches every value: the most any normalization of these bytes could have to do.
void visit(od::value v, size_t& count) {
  switch (v.type()) {
    case od::json_type::object: visit_object(v.get_object(), count); break;
    case od::json_type::array:
      for (auto item : v.get_array()) visit(item.value(), count);
      break;
    case od::json_type::string: count += std::string_view(v.get_string()).size(); break;
    case od::json_type::number: count += static_cast<size_t>(double(v.get_double()) != 0); break;
    case od::json_type::boolean: count += bool(v.get_bool()); break;
    case od::json_type::null: count += v.is_null(); break;
  }
}

void BM_SimdjsonCeiling(benchmark::State& state, const std::string& input_name) {
  const Input& in = input(input_name);
  simdjson::padded_string padded(without_bom(in.bytes));
  od::parser parser;
  for (auto _ : state) {
    size_t count = 0;
    od::document doc = parser.iterate(padded);
    visit(doc.get_value(), count);
    benchmark::DoNotOptimize(count);
  }
  set_counters(state, in);
}

void register_all() {
  const std::pair<const char*, const char*> cases[] = {
      {"huggingface", "huggingface/list_2817"},
      {"huggingface", "huggingface/model_info_x50"},
      {"huggingface", "huggingface/list_x4"},
      {"huggingface", "huggingface/list_x36"},
      {"portkey", "portkey/models"},
      {"openrouter", "openrouter/models_414"},
      {"openrouter", "openrouter/models_legacy_220"},
      {"openai_compatible", "openai_compatible/deepinfra_154"},
  };
  for (auto [plugin_name, in] : cases) {
    std::string input_name = in;
    benchmark::RegisterBenchmark(("ceiling/simdjson_ondemand/" + input_name).c_str(),
                                 BM_SimdjsonCeiling, input_name)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("normalize/" + input_name).c_str(), BM_Normalize,
                                 std::string(plugin_name), input_name)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("normalize+ingest/" + input_name).c_str(), BM_NormalizeAndIngest,
                                 std::string(plugin_name), input_name)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace
}  // namespace gatehouse::bench

int main(int argc, char** argv) {
  gatehouse::bench::register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
