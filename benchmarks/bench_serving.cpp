// The serving path on the real 2,817-model Hub list, and on it repeated 36 times with
// suffixed ids (101,412 models): what one request costs once the catalog is built, and
// what building it costs at ingest.
//   build/release/benchmarks/bench_serving [--benchmark_filter=...]
#include "catalog/catalog.hpp"
#include "catalog/catalog_query.hpp"
#include "catalog/snapshot_store.hpp"
#include "http/model_params.hpp"
#include "http/models_envelope.hpp"
#include "hub_records.hpp"
#include "support/file_read.hpp"
#include "support/gzip.hpp"

#include <benchmark/benchmark.h>
#include <malloc.h>

namespace gatehouse::bench {
namespace {

const std::string list_2817 = GATEHOUSE_FIXTURES_DIR "/huggingface/list_2817.json";

// Built once per size and shared by the benchmarks, as a live server shares it.
const Catalog& catalog(int copies) {
  static std::map<int, std::unique_ptr<Catalog>> built;
  auto& c = built[copies];
  if (!c) {
    c = std::make_unique<Catalog>(load_hub_records(list_2817, copies), 1);
    c->build_indexes();
  }
  return *c;
}

void set_counters(benchmark::State& state, size_t bytes, size_t models) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * models));
}

const Freshness freshness{1764000000000, 1763990000000, false, {{"hug", "fresh"}}};

PageShape whole(const Catalog& c) { return {c.size(), c.size(), 0, std::nullopt, "hug"}; }

// The catalog, not owned (the benchmark's catalogs live for the program).
std::shared_ptr<const Catalog> held(const Catalog& c) {
  return std::shared_ptr<const Catalog>(std::shared_ptr<const Catalog>(), &c);
}

// What the server does with a streamed body before each write: take its pieces.
size_t walk(BodySource& body) {
  size_t bytes = 0;
  std::vector<std::string_view> pieces;
  do {
    pieces.clear();
    body.next(64 << 10, pieces);
    for (std::string_view p : pieces) bytes += p.size();
  } while (!pieces.empty());
  return bytes;
}

void BM_FullList(benchmark::State& state) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) bytes = walk(*full_list_body(held(c), whole(c), freshness));
  set_counters(state, bytes, c.size());
}

void BM_FullListGzip(benchmark::State& state) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state)
    bytes = walk(*full_list_gzip(held(c), c.prepare_deflate(), whole(c), freshness));
  state.counters["gzip_bytes"] = static_cast<double>(bytes);
  set_counters(state, c.models_json_size(), c.size());
}

std::string page_of(const Catalog& c, const QueryParams& params) {
  ModelsRequest request = parse_models_request(params);
  const ModelQuery& q = request.query;
  Page page = run_query(c, q);
  return read_all(*page_body(
      held(c), page.models, {page.total, page.models.size(), q.offset, q.limit, "hug"}, freshness));
}

// A query's whole cost: parse parameters, select, render the envelope.
void run_page(benchmark::State& state, const QueryParams& params) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string body = page_of(c, params);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  set_counters(state, bytes, 1);
}

void BM_PageOf50(benchmark::State& state) {
  run_page(state, {{"gateway", "hug"}, {"limit", "50"}, {"offset", "1000"}});
}

void BM_FilteredSortedPage(benchmark::State& state) {
  run_page(state, {{"gateway", "hug"},
                   {"pipeline_tag", "text-generation"},
                   {"q", "instruct"},
                   {"sort", "downloads"},
                   {"limit", "50"}});
}

// The query shapes of a catalog page, each run indexed (run_query) and by a plain scan of
// every model (scan_query, the definition it must equal) on the same catalog.
const std::pair<const char*, QueryParams> shapes[] = {
    {"limit20", {{"limit", "20"}}},
    {"q_llama", {{"q", "llama"}, {"limit", "20"}}},
    {"q_qwen2.5-7b", {{"q", "qwen2.5-7b"}, {"limit", "20"}}},
    {"tag_created", {{"pipeline_tag", "text-generation"}, {"sort", "created"}, {"limit", "20"}}},
    {"provider_likes", {{"provider", "meta-llama"}, {"sort", "likes"}, {"limit", "20"}}},
    {"provider_q_tag",
     {{"provider", "qwen"},
      {"q", "instruct"},
      {"pipeline_tag", "text-generation"},
      {"limit", "20"}}},
};

void BM_Query(benchmark::State& state, const QueryParams& params, bool indexed) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  ModelsRequest request = parse_models_request(params);
  size_t total = 0;
  for (auto _ : state) {
    Page page = indexed ? run_query(c, request.query) : scan_query(c, request.query);
    total = page.total;
    benchmark::DoNotOptimize(page);
  }
  state.counters["total"] = static_cast<double>(total);
  state.counters["models"] = static_cast<double>(c.size());
}

void register_queries() {
  for (const auto& [name, params] : shapes)
    for (bool indexed : {true, false})
      benchmark::RegisterBenchmark((std::string(indexed ? "query/" : "scan/") + name).c_str(),
                                   BM_Query, params, indexed)
          ->Arg(1)
          ->Arg(36)
          ->Unit(benchmark::kMicrosecond);
}

void BM_PageOf50Gzip(benchmark::State& state) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  std::string body = page_of(c, {{"limit", "50"}});
  for (auto _ : state) benchmark::DoNotOptimize(gzip(body));
  set_counters(state, body.size(), 50);
}

// Ingest: id index, the sort orders, the query indexes (the full list's deflate is made
// later, off the publication: BM_DeflateFullList).
void BM_BuildCatalog(benchmark::State& state) {
  auto records = load_hub_records(list_2817, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    Catalog c(records, 1);
    c.build_indexes();
    benchmark::DoNotOptimize(c);
  }
  set_counters(state, 0, records.size());
}

BENCHMARK(BM_FullList)->Arg(1)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FullListGzip)->Arg(1)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageOf50)->Arg(1)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FilteredSortedPage)->Arg(1)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageOf50Gzip)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BuildCatalog)->Arg(1)->Arg(36)->Unit(benchmark::kMillisecond);

// What a fetch thread does after each publication: the full list's deflate.
void BM_DeflateFullList(benchmark::State& state) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(DeflatedPart(c.models_json()));
  set_counters(state, c.models_json_size(), c.size());
}

BENCHMARK(BM_DeflateFullList)->Arg(1)->Arg(36)->Unit(benchmark::kMillisecond);

// The merged view over two gateways: the big catalog, and the 2,817 recorded models again
// under a second gateway, so each of those is one entry of two records whose offers are
// merged (grouping, merged records, then the merged catalog's own indexes).
void BM_MergeCatalogs(benchmark::State& state) {
  std::vector<NamedCatalog> gateways{
      {"hug", std::make_shared<const Catalog>(load_hub_records(list_2817, int(state.range(0))), 1)},
      {"again", std::make_shared<const Catalog>(load_hub_records(list_2817, 1), 1)}};
  size_t entries = 0;
  for (auto _ : state) {
    std::shared_ptr<const Catalog> merged = merge_catalogs(gateways);
    merged->build_indexes();  // as a publication after a fetch does
    entries = merged->size();
  }
  state.counters["entries"] = static_cast<double>(entries);
}

BENCHMARK(BM_MergeCatalogs)->Arg(1)->Arg(36)->Unit(benchmark::kMillisecond);

// A restart's work before its first answer, from a snapshot written by this build: read the
// snapshot, build the gateway's catalog, merge it into `all` (the gateway alone). Its
// indexes are built after publication (BM_RestartThenIndex adds them).
std::string snapshot_of(int copies) {
  auto dir = std::filesystem::temp_directory_path() / "gatehouse_bench_snapshot";
  std::filesystem::create_directories(dir);
  write_snapshot(dir, "hug", catalog(copies));
  std::string bytes = read_regular_file(snapshot_path(dir, "hug"), size_t(1) << 32);
  std::filesystem::remove_all(dir);
  return bytes;
}

void BM_ReadSnapshot(benchmark::State& state) {
  std::string bytes = snapshot_of(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(parse_snapshot(bytes, "hug", "bench"));
  set_counters(state, bytes.size(), catalog(static_cast<int>(state.range(0))).size());
}

void restart(benchmark::State& state, bool then_index) {
  std::string bytes = snapshot_of(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    Snapshot snapshot = parse_snapshot(bytes, "hug", "bench");
    auto hug = std::make_shared<const Catalog>(std::move(snapshot.models), 1);
    std::vector<NamedCatalog> gateways{{"hug", hug}};
    std::shared_ptr<const Catalog> all = merge_catalogs(gateways);
    if (then_index) all->build_indexes();
    benchmark::DoNotOptimize(all);
  }
  set_counters(state, bytes.size(), catalog(static_cast<int>(state.range(0))).size());
}

void BM_Restart(benchmark::State& state) { restart(state, false); }
void BM_RestartThenIndex(benchmark::State& state) { restart(state, true); }

// What a catalog holds, per model, beside the JSON it serves: heap bytes in use (malloc's
// own count of its arenas and of its mmapped blocks, not RSS, which freed pages blur)
// after each step of ingest, as counters.
void BM_MemoryPerModel(benchmark::State& state) {
  auto in_use = [] {
    struct mallinfo2 m = mallinfo2();
    return static_cast<double>(m.uordblks + m.hblkhd);
  };
  for (auto _ : state) {
    double start = in_use();
    ModelRecords records = load_hub_records(list_2817, static_cast<int>(state.range(0)));
    double n = static_cast<double>(records.size()), json = 0;
    for (const auto& m : records) json += static_cast<double>(m->json.size());
    double after_records = in_use();
    auto c = std::make_shared<const Catalog>(std::move(records), 1);
    double after_catalog = in_use();
    c->build_indexes();
    double after_indexes = in_use();
    c->prepare_deflate();
    double after_deflate = in_use();
    state.counters["json"] = json / n;
    state.counters["records"] = (after_records - start) / n;
    state.counters["catalog"] = (after_catalog - after_records) / n;
    state.counters["indexes"] = (after_indexes - after_catalog) / n;
    state.counters["deflate"] = (after_deflate - after_indexes) / n;
    state.counters["x_json"] = (after_deflate - start) / json;
  }
}

BENCHMARK(BM_MemoryPerModel)->Arg(36)->Iterations(1)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_ReadSnapshot)->Arg(1)->Arg(36)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Restart)->Arg(1)->Arg(36)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RestartThenIndex)->Arg(1)->Arg(36)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gatehouse::bench

int main(int argc, char** argv) {
  gatehouse::bench::register_queries();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
