// Any query string for GET /v1/catalog/models, parsed and run on a catalog: a 400 with
// its reason, or a page whose envelope parses and whose numbers add up, and that is the
// page a plain scan gives.
#include "catalog/catalog_query.hpp"
#include "http/model_params.hpp"
#include "http/models_envelope.hpp"

#include <simdjson.h>
#include <boost/url/parse.hpp>

#include <cstdlib>

namespace {

using namespace gatehouse;

const Catalog& catalog() {
  static const Catalog built = [] {
    ModelRecords records;
    for (int i = 0; i < 40; ++i) {
      std::string id = (i % 2 ? "Meta/Llama-" : "qwen/QwQ_") + std::to_string(i);
      std::string tag = i % 3 ? "text-generation" : "";
      gatehouse_model m{};
      m.struct_size = sizeof m;
      m.id = {id.data(), id.size()};
      m.created = i % 5 ? 1700000000 - i : GATEHOUSE_UNKNOWN_INT;
      m.context_length = GATEHOUSE_UNKNOWN_INT;
      m.downloads = (i * 7919) % 101;
      m.likes = i % 4 ? i : GATEHOUSE_UNKNOWN_INT;
      m.pipeline_tag = {tag.empty() ? nullptr : tag.data(), tag.size()};
      records.push_back(std::make_shared<const ModelRecord>(make_model_record(m, "hug")));
    }
    return Catalog(std::move(records), 1700000000000);
  }();
  return built;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string target =
      "/v1/catalog/models?" + std::string(reinterpret_cast<const char*>(data), size);
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return 0;
  QueryParams params;
  for (auto p : url->params()) params.emplace_back(p.key, p.value);
  try {
    ModelsRequest request = parse_models_request(params);
    const ModelQuery& q = request.query;
    Page page = run_query(catalog(), q);
    if (page.models.size() > page.total || (q.limit && page.models.size() > *q.limit)) std::abort();
    Page plain = scan_query(catalog(), q);
    if (plain.total != page.total || plain.models != page.models) std::abort();
    std::string body =
        page_body(page.models, {page.total, page.models.size(), q.offset, q.limit, "hug"},
                  {1700000001000, 1700000000000, false, {{"hug", "fresh"}}});
    simdjson::dom::parser parser;
    if (parser.parse(body).error()) std::abort();
  } catch (const BadRequest&) {
  }
  return 0;
}
