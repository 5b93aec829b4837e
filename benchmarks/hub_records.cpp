#include "hub_records.hpp"

#include <simdjson.h>

#include <ctime>
#include <stdexcept>

namespace gatehouse::bench {
namespace {

gatehouse_str str(std::string_view s) { return {s.data(), s.size()}; }

int64_t iso_to_unix(std::string_view iso) {
  std::tm tm{};
  if (iso.size() < 19 ||
      !strptime(std::string(iso.substr(0, 19)).c_str(), "%Y-%m-%dT%H:%M:%S", &tm))
    return GATEHOUSE_UNKNOWN_INT;
  return timegm(&tm);
}

}  // namespace

std::vector<std::shared_ptr<const ModelRecord>> load_hub_records(const std::string& path,
                                                                 int copies) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.load(path);
  static const gatehouse_str text[] = {{"text", 4}};
  std::vector<std::shared_ptr<const ModelRecord>> out;
  for (int copy = 0; copy < copies; ++copy) {
    simdjson::dom::array models = root.get_array();
    for (simdjson::dom::element m : models) {
      std::string id(std::string_view(m["id"].get_string()));
      if (copy) id += "-copy" + std::to_string(copy);
      std::string metrics = simdjson::minify(m);
      gatehouse_model model{};
      model.struct_size = sizeof model;
      model.id = str(id);
      model.created = iso_to_unix(m["createdAt"].get_string().value_unsafe());
      model.context_length = GATEHOUSE_UNKNOWN_INT;
      model.downloads = m["downloads"].get_int64().value_unsafe();
      model.likes = m["likes"].get_int64().value_unsafe();
      std::string_view tag;
      if (m["pipeline_tag"].get_string().get(tag) == simdjson::SUCCESS)
        model.pipeline_tag = str(tag);
      model.input_modalities = model.output_modalities = text;
      model.input_modality_count = model.output_modality_count = 1;
      model.metrics_key = str("huggingface_metrics");
      model.metrics_json = str(metrics);
      out.push_back(std::make_shared<const ModelRecord>(make_model_record(model, "hug")));
    }
  }
  return out;
}

}  // namespace gatehouse::bench
