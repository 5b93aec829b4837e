// Any query string for GET /v1/catalog/models, parsed and run on a catalog: a 400 with
// its reason, or a page whose envelope parses and whose numbers add up, and that is the
// page a plain scan gives, with the catalog's indexes and before they are built.
#include "catalog/catalog_query.hpp"
#include "http/model_params.hpp"
#include "http/models_envelope.hpp"

#include <simdjson.h>
#include <boost/url/parse.hpp>

#include <cstdlib>

namespace {

using namespace gatehouse;

// Two gateways' models, some with offers (priced, unpriced, live or not), merged: every
// filter and order has something to find.
ModelRecords gateway_records(const std::string& gateway, int from, int to) {
  ModelRecords records;
  for (int i = from; i < to; ++i) {
    std::string id = (i % 2 ? "Meta/Llama-" : "qwen/QwQ_") + std::to_string(i);
    std::string tag = i % 3 ? "text-generation" : "";
    std::string price = "0.00000" + std::to_string(i % 7), provider = "p" + std::to_string(i % 3);
    gatehouse_offer offer{sizeof offer,
                          {provider.data(), provider.size()},
                          {id.data(), id.size()},
                          {i % 4 ? price.data() : nullptr, price.size()},
                          {},
                          1000L * (i % 9),
                          GATEHOUSE_UNKNOWN_INT,
                          {i % 5 ? nullptr : "staging", 7}};
    gatehouse_model m{};
    m.struct_size = sizeof m;
    m.id = {id.data(), id.size()};
    m.created = i % 5 ? 1700000000 - i : GATEHOUSE_UNKNOWN_INT;
    m.context_length = i % 6 ? GATEHOUSE_UNKNOWN_INT : 4096;
    m.downloads = (i * 7919) % 101;
    m.likes = i % 4 ? i : GATEHOUSE_UNKNOWN_INT;
    m.pipeline_tag = {tag.empty() ? nullptr : tag.data(), tag.size()};
    m.offers = &offer;
    m.offer_count = i % 3 ? 1 : 0;
    m.offer_stride = sizeof offer;
    records.push_back(std::make_shared<const ModelRecord>(make_model_record(m, gateway)));
  }
  return records;
}

const Catalog& catalog() {
  static const std::shared_ptr<const Catalog> built = [] {
    std::vector<NamedCatalog> gateways{
        {"hug", std::make_shared<const Catalog>(gateway_records("hug", 0, 40), 1700000000000)},
        {"or", std::make_shared<const Catalog>(gateway_records("or", 30, 50), 1700000000000)}};
    std::shared_ptr<const Catalog> merged = merge_catalogs(gateways);
    merged->build_indexes();
    return merged;
  }();
  return *built;
}

// The same models before their indexes are built (just after a restart).
const Catalog& unindexed() {
  static const Catalog c(catalog().models(), 1700000000000);
  return c;
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
    Page early = run_query(unindexed(), q);
    if (unindexed().indexed() || early.total != page.total || early.models != page.models)
      std::abort();
    std::string body = read_all(
        *page_body(nullptr, page.models, {page.total, page.models.size(), q.offset, q.limit, "hug"},
                   {1700000001000, 1700000000000, false, {{"hug", "fresh"}}}));
    simdjson::dom::parser parser;
    if (parser.parse(body).error()) std::abort();
  } catch (const BadRequest&) {
  }
  return 0;
}
