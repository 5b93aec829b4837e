// The serving path on the real 2,817-model Hub list: what one request costs once the
// catalog is built, and what building it costs at ingest.
//   build/release/benchmarks/bench_serving [--benchmark_filter=...]
#include "catalog.hpp"
#include "catalog_query.hpp"
#include "catalog_response.hpp"
#include "gzip.hpp"
#include "hub_records.hpp"

#include <benchmark/benchmark.h>

namespace gatehouse::bench {
namespace {

const std::string list_2817 = GATEHOUSE_FIXTURES_DIR "/huggingface/list_2817.json";

// Built once per size and shared by the benchmarks, as a live server shares it.
const Catalog& catalog(int copies) {
  static std::map<int, std::unique_ptr<Catalog>> built;
  auto& c = built[copies];
  if (!c) c = std::make_unique<Catalog>(load_hub_records(list_2817, copies), "hug", 1);
  return *c;
}

void set_counters(benchmark::State& state, size_t bytes, size_t models) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * models));
}

std::string tail() {
  std::string t;
  append_envelope_tail(t, 1764000000000, 1763990000000, false);
  return t;
}

void BM_FullList(benchmark::State& state) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string body = c.full_head() + tail();
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  set_counters(state, bytes, c.size());
}

void BM_FullListGzip(benchmark::State& state) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string body = c.full_head_gzip().finish(tail());
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.counters["gzip_bytes"] = static_cast<double>(bytes);
  set_counters(state, c.full_head().size(), c.size());
}

// A query's whole cost: parse parameters, select, render the envelope.
void run_query(benchmark::State& state, const QueryParams& params) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  size_t bytes = 0, returned = 0;
  for (auto _ : state) {
    ModelQuery q = parse_model_query(params);
    Page page = run_model_query(c, q);
    std::string body;
    append_envelope_head(body, page.models, {page.total, q.offset, q.limit, "hug"});
    body += tail();
    bytes = body.size();
    returned = page.models.size();
    benchmark::DoNotOptimize(body);
  }
  set_counters(state, bytes, returned);
}

void BM_PageOf50(benchmark::State& state) {
  run_query(state, {{"gateway", "hug"}, {"limit", "50"}, {"offset", "1000"}});
}

void BM_FilteredSortedPage(benchmark::State& state) {
  run_query(state, {{"gateway", "hug"},
                    {"pipeline_tag", "text-generation"},
                    {"q", "instruct"},
                    {"sort", "downloads"},
                    {"limit", "50"}});
}

void BM_PageOf50Gzip(benchmark::State& state) {
  const Catalog& c = catalog(static_cast<int>(state.range(0)));
  ModelQuery q = parse_model_query({{"limit", "50"}});
  Page page = run_model_query(c, q);
  std::string body;
  append_envelope_head(body, page.models, {page.total, q.offset, q.limit, "hug"});
  for (auto _ : state) benchmark::DoNotOptimize(gzip(body));
  set_counters(state, body.size(), page.models.size());
}

// Ingest: id index, ten sort orders, the full-list body and its gzip.
void BM_BuildCatalog(benchmark::State& state) {
  auto records = load_hub_records(list_2817, static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(Catalog(records, "hug", 1));
  set_counters(state, 0, records.size());
}

BENCHMARK(BM_FullList)->Arg(1)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FullListGzip)->Arg(1)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageOf50)->Arg(1)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FilteredSortedPage)->Arg(1)->Arg(4)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PageOf50Gzip)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BuildCatalog)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gatehouse::bench

BENCHMARK_MAIN();
