#include "app/check_plugin.hpp"

#include "catalog/model_record.hpp"
#include "plugin_host/plugin_instance.hpp"
#include "support/file_read.hpp"

#include <ostream>
#include <vector>

namespace gatehouse {
namespace {

constexpr std::string_view gateway_name = "check";
constexpr size_t reasons_shown = 5;
constexpr size_t max_sample_bytes = 256u << 20;  // what the HTTP client takes at most

void describe(const LoadedPlugin& plugin, std::ostream& out) {
  const gatehouse_plugin& abi = plugin.abi();
  out << "plugin:      " << plugin.name() << "\n"
      << "version:     " << plugin.version() << "\n"
      << "description: " << plugin.description() << "\n"
      << "abi:         " << abi.abi_major << "." << abi.abi_minor << " (host "
      << GATEHOUSE_ABI_MAJOR << "." << GATEHOUSE_ABI_MINOR << ")\n"
      << "file:        " << plugin.path().string() << "\n";
}

struct Tally {
  size_t valid = 0;
  std::string first_json;
  std::vector<std::string> rejected;
};

int normalize_sample(PluginInstance& instance, const std::filesystem::path& sample,
                     std::ostream& out, std::ostream& err) {
  std::string bytes;
  try {
    bytes = read_regular_file(sample, max_sample_bytes);
  } catch (const FileError& e) {
    err << "cannot read sample " << sample.string() << ": " << e.what() << "\n";
    return 1;
  }
  Tally tally;
  CallResult result = instance.normalize(bytes, [&](const gatehouse_model& model) {
    try {
      std::string json = make_model_record(model, gateway_name).json;
      if (tally.valid++ == 0) tally.first_json = std::move(json);
    } catch (const InvalidModel& e) {
      tally.rejected.push_back(e.what());
    }
    return GATEHOUSE_OK;
  });
  out << "sample:      " << sample.string() << " (" << bytes.size() << " bytes)\n"
      << "models:      " << tally.valid + tally.rejected.size() << " emitted, " << tally.valid
      << " valid, " << tally.rejected.size() << " invalid\n";
  // A recording may hold a key its upstream echoed: the messages printed leave out the
  // secrets of the options given (their *_env variables), as the server's do. The model
  // is printed as the server would serve it.
  for (size_t i = 0; i < tally.rejected.size() && i < reasons_shown; ++i)
    out << "invalid:     " << instance.redact(tally.rejected[i]) << "\n";
  if (!tally.first_json.empty()) out << "first model:\n" << tally.first_json << "\n";

  if (!result.ok()) {
    err << "normalize failed: " << status_name(result.status) << ": " << result.message << "\n";
    return 1;
  }
  if (!tally.rejected.empty()) {
    err << "normalize emitted " << tally.rejected.size() << " invalid model(s)\n";
    return 1;
  }
  if (tally.valid == 0) {
    err << "normalize produced no models from " << sample.string() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int check_plugin(const CheckPluginRequest& request, std::ostream& out, std::ostream& err) {
  try {
    std::shared_ptr<const LoadedPlugin> plugin = load_plugin(request.plugin);
    describe(*plugin, out);
    PluginInstance instance(plugin, std::string(gateway_name), request.options);
    out << "create:      ok (" << request.options.size() << " option(s))\n";
    if (!request.sample) return 0;
    return normalize_sample(instance, *request.sample, out, err);
  } catch (const PluginError& e) {
    err << e.what() << "\n";
    return 1;
  }
}

}  // namespace gatehouse
