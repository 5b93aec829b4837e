// Offers as the catalog keeps them (ABI 1.1): prices as exact integers, offers cheapest
// first with unknown prices last, what a plugin's bad offer gets, how the merged view
// groups records into one model, and a snapshot that brings all of it back.
#include "catalog/catalog.hpp"
#include "catalog/catalog_query.hpp"
#include "catalog/offers.hpp"
#include "catalog/snapshot_store.hpp"
#include "harness/json.hpp"
#include "harness/paths.hpp"
#include "http/model_params.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace gatehouse {
namespace {

gatehouse_str str(std::string_view s) { return {s.data(), s.size()}; }

// A model with offers, built the way a plugin hands it over. Holds the strings it points at.
struct ModelBuilder {
  std::deque<std::string> texts;  // stable addresses for the views
  std::vector<gatehouse_offer> offers;
  gatehouse_model model{};

  explicit ModelBuilder(std::string id, std::string canonical = "") {
    model.struct_size = sizeof model;
    model.created = model.context_length = model.downloads = model.likes = GATEHOUSE_UNKNOWN_INT;
    model.id = keep(std::move(id));
    if (!canonical.empty()) model.canonical_id = keep(std::move(canonical));
  }
  gatehouse_str keep(std::string s) {
    texts.push_back(std::move(s));
    return str(texts.back());
  }
  // prompt/completion: "" = null; status: "" = not said.
  ModelBuilder& offer(std::string provider, std::string prompt, std::string completion = "",
                      int64_t context = GATEHOUSE_UNKNOWN_INT, std::string status = "") {
    gatehouse_offer o{};
    o.struct_size = sizeof o;
    o.provider = keep(provider);
    std::string model_id = texts[0];  // "+" here trips GCC 12's -Wrestrict
    model_id.append(":").append(provider);
    o.model_id = keep(std::move(model_id));
    if (!prompt.empty()) o.pricing_prompt = keep(prompt);
    if (!completion.empty()) o.pricing_completion = keep(completion);
    o.context_length = context;
    o.max_output_tokens = GATEHOUSE_UNKNOWN_INT;
    if (!status.empty()) o.status = keep(status);
    offers.push_back(o);
    return *this;
  }
  gatehouse_model& get() {
    model.offers = offers.data();
    model.offer_count = offers.size();
    model.offer_stride = sizeof(gatehouse_offer);
    return model;
  }
  std::shared_ptr<const ModelRecord> record(std::string_view gateway) {
    return std::make_shared<const ModelRecord>(make_model_record(get(), gateway));
  }
};

std::string error_of(gatehouse_model& m) {
  try {
    make_model_record(m, "g");
    return "";
  } catch (const InvalidModel& e) {
    return e.what();
  }
}

std::vector<std::string> providers_of(const std::string& json) {
  test::Json j(json);
  std::vector<std::string> out;
  for (auto o : j.items("offers")) out.emplace_back(std::string_view(o["provider"]));
  return out;
}

TEST(PriceUnits, AreExactAndOrderAsTheDecimalReads) {
  EXPECT_EQ(price_units("0.0000026"), 2'600'000'000);
  EXPECT_EQ(price_units("0"), 0);
  EXPECT_EQ(price_units("000.10"), 100'000'000'000'000);
  EXPECT_EQ(price_units("0.000000000000001"), 1);
  EXPECT_EQ(price_units("0.0000000000000011"), 2) << "past the 15th place it rounds up";
  EXPECT_EQ(price_units("0.0000000000000001"), 1) << "a price above zero is never free";
  EXPECT_EQ(price_units("0.0000000000000010000"), 1);
  EXPECT_EQ(price_units("9223.372036854775807"), INT64_MAX);
  EXPECT_EQ(price_units("9223.372036854775808"), max_price_units) << "absurd prices saturate";
  EXPECT_EQ(price_units("100000000000000000000"), max_price_units);
  for (const char* bad : {"", "1e-7", "-1", "0.1.2", "$1", " 1", "1."})
    EXPECT_EQ(price_units(bad), std::nullopt) << bad;
}

TEST(Offers, AreRenderedCheapestFirstWithUnknownPricesLast) {
  ModelBuilder b("owner/model");
  b.offer("dear", "0.00002").offer("unpriced", "").offer("cheap", "0.0000001", "0.0000009");
  b.offer("cheap-out", "0.0000001", "0.0000002").offer("free", "0", "0");
  ModelRecord r = make_model_record(b.get(), "hug");
  EXPECT_EQ(providers_of(r.json),
            (std::vector<std::string>{"free", "cheap-out", "cheap", "dear", "unpriced"}));
  ASSERT_EQ(r.offers.size(), 5u);
  for (const OfferKey& o : r.offers) {
    EXPECT_EQ(r.json[o.begin], '{');
    EXPECT_EQ(r.json[o.end - 1], '}');
    EXPECT_EQ(o.gateway, "hug");
  }
  EXPECT_EQ(r.json.substr(r.offers_begin, 1), "[");
  EXPECT_EQ(r.json.substr(r.offers_end - 1, 1), "]");
  EXPECT_EQ(r.price, 0);
  test::Json j(r.json);
  auto first = j.items("offers")[0];
  EXPECT_EQ(std::string_view(first["gateway"]), "hug");
  EXPECT_EQ(std::string_view(first["model_id"]), "owner/model:free");
  EXPECT_TRUE(first["status"].is_null());
  EXPECT_TRUE(first["max_output_tokens"].is_null());
}

TEST(Offers, TheModelsKeysComeFromItsLiveOffersOrItself) {
  ModelBuilder b("o/m");
  b.offer("a", "0.000002", "", 8000, "live").offer("b", "0.000001", "", 32000, "staging");
  b.offer("c", "", "", 128000, "LIVE");
  ModelRecord r = make_model_record(b.get(), "g");
  EXPECT_EQ(r.price, 2'000'000'000) << "staging does not count";
  EXPECT_EQ(r.context, 128000);

  ModelBuilder own("o/n");
  own.model.pricing_prompt = own.keep("0.0000005");
  own.model.context_length = 4096;
  ModelRecord alone = make_model_record(own.get(), "g");
  EXPECT_EQ(alone.price, 500'000'000) << "a model without offers is its own offer";
  EXPECT_EQ(alone.context, 4096);

  ModelBuilder unpriced("o/p");
  unpriced.model.pricing_prompt = unpriced.keep("0.0000005");
  unpriced.offer("x", "");
  EXPECT_EQ(make_model_record(unpriced.get(), "g").price, GATEHOUSE_UNKNOWN_INT)
      << "with offers, only their prices count";
}

TEST(Offers, ABadOfferDropsTheModelWithAReasonNamingIt) {
  {
    ModelBuilder b("a/b");
    b.offer("p", "1e-7");
    EXPECT_EQ(error_of(b.get()),
              "model 'a/b': offers[0].pricing_prompt is not decimal text in USD per token (like "
              "\"0.0000026\"): '1e-7'");
  }
  {
    ModelBuilder b("a/b");
    b.offer("p", "0.1").offer("", "0.1");
    EXPECT_EQ(error_of(b.get()), "model 'a/b': offers[1].provider and model_id are required");
  }
  {
    ModelBuilder b("a/b");
    b.offer("\xff", "0.1");
    EXPECT_EQ(error_of(b.get()), "model 'a/b': offers[0].provider is not valid UTF-8");
  }
  {
    ModelBuilder b("a/b");
    for (int i = 0; i < 257; ++i) b.offer(std::to_string(i), "0.1");
    EXPECT_EQ(error_of(b.get()), "model 'a/b': more than 256 offers");
  }
  {
    ModelBuilder b("a/b");
    b.offer("p", "0.1");
    gatehouse_model& m = b.get();
    std::string why =
        "model 'a/b': offers is NULL, or offer_stride is not a size of gatehouse_offer (at "
        "least ABI 1.1's, a multiple of its alignment, at most 4096)";
    for (size_t stride : {size_t{8}, sizeof(gatehouse_offer) + 1, size_t{1} << 40}) {
      m.offer_stride = stride;
      EXPECT_EQ(error_of(m), why) << stride;
    }
  }
  {
    ModelBuilder b("a/b", "not a repo id");
    EXPECT_EQ(error_of(b.get()),
              "model 'a/b': canonical_id is not a Hugging Face repo id (owner/name): 'not a repo "
              "id'");
    ModelBuilder gpt2("gpt2", "GPT2");  // the Hub's own ids without an owner are their own
    EXPECT_EQ(error_of(gpt2.get()), "");
  }
  {
    ModelBuilder b("a/b");
    b.model.pricing_prompt = b.keep("99999");  // absurd, but a price: the model stays
    EXPECT_EQ(make_model_record(b.get(), "g").price, max_price_units);
  }
}

TEST(Offers, AStrideLargerThanTheStructIsStepped) {
  // A plugin of a later minor: each offer has fields this host does not know.
  struct Wider {
    gatehouse_offer offer;
    int64_t later_field;
  };
  ModelBuilder b("a/b");
  b.offer("x", "0.3").offer("y", "0.2");
  std::vector<Wider> wide;
  for (gatehouse_offer o : b.offers) {
    o.struct_size = sizeof(Wider);
    wide.push_back({o, 42});
  }
  gatehouse_model& m = b.get();
  m.offers = &wide[0].offer;
  m.offer_stride = sizeof(Wider);
  EXPECT_EQ(providers_of(make_model_record(m, "g").json), (std::vector<std::string>{"y", "x"}));
}

TEST(Offers, AnAbi10ModelHasNone) {
  ModelBuilder b("a/b", "c/d");
  b.offer("x", "0.3");
  gatehouse_model& m = b.get();
  m.struct_size = offsetof(gatehouse_model, metrics_json) + sizeof(gatehouse_str);
  ModelRecord r = make_model_record(m, "g");
  EXPECT_TRUE(r.offers.empty());
  EXPECT_NE(r.json.find(R"("canonical_id":null)"), std::string::npos) << r.json;
  EXPECT_NE(r.json.find(R"("offers":[])"), std::string::npos) << r.json;
}

std::shared_ptr<const Catalog> merged(
    std::vector<std::pair<std::string, std::vector<std::shared_ptr<const ModelRecord>>>> parts) {
  std::vector<NamedCatalog> gateways;
  for (auto& [name, records] : parts)
    gateways.emplace_back(name, std::make_shared<const Catalog>(std::move(records), 1));
  return merge_catalogs(gateways);
}

TEST(MergedGroups, GroupsByCanonicalIdAcrossCaseAndGateways) {
  auto a = ModelBuilder("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct")
               .offer("novita", "0.00000002", "", 16384, "live")
               .record("hug");
  auto b = ModelBuilder("meta-llama/llama-3.1-8b-instruct", "meta-llama/Llama-3.1-8B-Instruct")
               .offer("openrouter", "0.00000001")
               .record("openrouter");
  auto free =
      ModelBuilder("meta-llama/llama-3.1-8b-instruct:free", "META-LLAMA/Llama-3.1-8B-Instruct")
          .offer("openrouter", "0")
          .record("openrouter");
  auto other = ModelBuilder("other/model").record("hug");
  auto c = merged({{"hug", {a, other}}, {"openrouter", {b, free}}});
  ASSERT_EQ(c->size(), 2u);
  const ModelRecord& llama = *c->models()[0];
  EXPECT_EQ(llama.id, "meta-llama/Llama-3.1-8B-Instruct") << "the first gateway's record";
  EXPECT_EQ(providers_of(llama.json),
            (std::vector<std::string>{"openrouter", "openrouter", "novita"}));
  EXPECT_EQ(llama.price, 0);
  EXPECT_EQ(llama.context, 16384);
  test::Json j(llama.json);  // still one valid JSON object
  EXPECT_EQ(std::string_view(j["source_gateway"]), "hug");
  EXPECT_EQ(std::string_view(j.items("offers")[0]["model_id"]),
            "meta-llama/llama-3.1-8b-instruct:free:openrouter");
  for (std::string id :
       {"meta-llama/llama-3.1-8b-instruct:free", "META-LLAMA/LLAMA-3.1-8B-INSTRUCT",
        "meta-llama/Llama-3.1-8B-Instruct:novita"})
    EXPECT_EQ(c->find(id), &llama) << id;
  EXPECT_EQ(c->find("other/model"), c->models()[1].get());
  EXPECT_EQ(c->models()[1], other) << "a model of one record is shared, not copied";
}

// A reaches B by B's id (A's canonical id); C reaches A by A's id: one model, three records.
TEST(MergedGroups, AModelReachableByTwoIdsIsOneEntry) {
  auto a = ModelBuilder("x/alias", "org/model").offer("p1", "0.3").record("g1");
  auto b = ModelBuilder("org/model").offer("p2", "0.1").record("g2");
  auto c = ModelBuilder("y/other", "x/alias").offer("p3", "0.2").record("g3");
  auto d = ModelBuilder("z/unrelated").record("g3");
  auto catalog = merged({{"g1", {a}}, {"g2", {b}}, {"g3", {c, d}}});
  ASSERT_EQ(catalog->size(), 2u);
  EXPECT_EQ(providers_of(catalog->models()[0]->json), (std::vector<std::string>{"p2", "p3", "p1"}));
  for (std::string id : {"x/alias", "org/model", "y/other"})
    EXPECT_EQ(catalog->find(id), catalog->models()[0].get()) << id;
}

// The merge of one gateway's catalog that groups nothing is that catalog's models and
// indexes, shared (not built a second time), under its own version; one that groups is
// built.
TEST(MergedGroups, OneCatalogThatGroupsNothingIsSharedNotRebuilt) {
  auto one = std::make_shared<const Catalog>(
      ModelRecords{ModelBuilder("a/x").offer("p", "0.1").record("g"),
                   ModelBuilder("b/y").record("g")},
      7);
  std::vector<NamedCatalog> alone{{"g", one}, {"empty", nullptr}};
  auto merged_one = merge_catalogs(alone);
  EXPECT_EQ(&merged_one->models(), &one->models());
  EXPECT_EQ(merged_one->order_at(3).data(), one->order_at(3).data());
  EXPECT_EQ(merged_one->fetched_at_ms(), 7);
  EXPECT_NE(merged_one->version(), one->version());
  EXPECT_EQ(merged_one->find("a/x:p"), one->models()[0].get());

  auto grouping =
      std::make_shared<const Catalog>(ModelRecords{ModelBuilder("a/x", "org/m").record("g"),
                                                   ModelBuilder("a/x:free", "org/m").record("g")},
                                      7);
  std::vector<NamedCatalog> groups{{"g", grouping}};
  auto merged_groups = merge_catalogs(groups);
  EXPECT_EQ(merged_groups->size(), 1u);
  EXPECT_NE(&merged_groups->models(), &grouping->models());

  // A canonical id that is another model's own id (in another case) groups them too.
  auto by_id = std::make_shared<const Catalog>(
      ModelRecords{ModelBuilder("Org/M").record("g"), ModelBuilder("b/y", "org/m").record("g")}, 7);
  EXPECT_TRUE(by_id->shares_keys());
  EXPECT_FALSE(one->shares_keys());
  std::vector<NamedCatalog> joined{{"g", by_id}};
  EXPECT_EQ(merge_catalogs(joined)->size(), 1u);
}

// Many records claiming one canonical id (an upstream gone wrong) make one entry whose
// offers are capped at the cheapest 256, and the merge stays linear in them.
TEST(MergedGroups, AnEntryKeepsItsCheapest256Offers) {
  ModelRecords many;
  for (int i = 0; i < 2000; ++i)
    many.push_back(ModelBuilder("x/m" + std::to_string(i), "glue/model")
                       .offer("p", "0.000" + std::to_string(1000 + i))
                       .record("a"));
  auto c = merged({{"a", many}});
  ASSERT_EQ(c->size(), 1u);
  const ModelRecord& entry = *c->models()[0];
  EXPECT_EQ(entry.offers.size(), max_offers);
  test::Json j(entry.json);
  EXPECT_EQ(j.items("offers").size(), max_offers);
  EXPECT_EQ(std::string_view(j.items("offers")[0]["pricing"]["prompt"]), "0.0001000");
  EXPECT_EQ(c->find("x/m1999"), &entry) << "every record's id still finds it";
}

// An entry capped at its cheapest 256 offers is sorted and filtered by what it shows: a
// window or a live price among the offers left out does not count.
TEST(MergedGroups, ACappedEntrysKeysComeFromTheOffersItShows) {
  ModelRecords windows, prices;
  for (int i = 0; i < 300; ++i) {
    bool shown = i < static_cast<int>(max_offers);
    std::string price = "0.000" + std::to_string(1000 + i);
    windows.push_back(ModelBuilder("w/m" + std::to_string(i), "glue/windows")
                          .offer("p", price, "", shown ? 199300 - i : 199301 + i, "live")
                          .record("a"));
    prices.push_back(ModelBuilder("p/m" + std::to_string(i), "glue/prices")
                         .offer("p", price, "", 1000, shown ? "staging" : "live")
                         .record("a"));
  }
  ModelRecords both = windows;
  both.insert(both.end(), prices.begin(), prices.end());
  auto c = merged({{"a", both}});
  ASSERT_EQ(c->size(), 2u);
  const ModelRecord &w = *c->find("glue/windows"), &p = *c->find("glue/prices");
  ASSERT_EQ(w.offers.size(), max_offers);
  EXPECT_EQ(w.context, 199300) << "the largest window it shows";
  EXPECT_EQ(p.price, GATEHOUSE_UNKNOWN_INT) << "no live offer among those it shows";
  EXPECT_EQ(p.context, GATEHOUSE_UNKNOWN_INT);

  ModelQuery q;
  q.min_context = 199301;
  EXPECT_EQ(run_query(*c, q).total, 0u);
  EXPECT_EQ(scan_query(*c, q).total, 0u);
  q.min_context = 199300;
  EXPECT_EQ(run_query(*c, q).total, 1u);
  q.min_context.reset();
  q.max_price = max_price_units;
  EXPECT_EQ(run_query(*c, q).total, 1u) << "the windows entry only";
}

std::vector<std::string> ids_under(const Catalog& c, const std::string& bound) {
  ModelsRequest r = parse_models_request({{"max_prompt_price", bound}});
  std::vector<std::string> out;
  for (const ModelRecord* m : run_query(c, r.query).models) out.push_back(m->id);
  EXPECT_EQ(run_query(c, r.query).total, scan_query(c, r.query).total) << bound;
  return out;
}

// max_prompt_price never lets through a model priced above it: the bound is rounded down to
// price units (prices are rounded up), so a price equal to it passes and one above does not.
TEST(PriceBounds, MaxPromptPriceKeepsExactlyThePricesAtMostIt) {
  auto priced = [](std::string id, std::string prompt) {
    return ModelBuilder(std::move(id)).offer("p", std::move(prompt)).record("g");
  };
  Catalog c({priced("a/tiny", "0.0000000000000001"), priced("a/unit", "0.000000000000001"),
             priced("a/seven", "0.0000001"), priced("a/above-seven", "0.0000001000000000001"),
             priced("a/free", "0")},
            1);
  using ids = std::vector<std::string>;
  EXPECT_EQ(ids_under(c, "1e-17"), ids{"a/free"}) << "1e-16 is above 1e-17";
  EXPECT_EQ(ids_under(c, "0.00000000000000001"), ids{"a/free"});
  EXPECT_EQ(ids_under(c, "0"), ids{"a/free"});
  EXPECT_EQ(ids_under(c, "1e-15"), (ids{"a/tiny", "a/unit", "a/free"})) << "equal passes";
  EXPECT_EQ(ids_under(c, "0.0000000000000019"), (ids{"a/tiny", "a/unit", "a/free"}));
  EXPECT_EQ(ids_under(c, "1e-7"), (ids{"a/tiny", "a/unit", "a/seven", "a/free"}))
      << "equal passes, 1e-22 above does not";
  EXPECT_EQ(ids_under(c, "0.00000010000000000009"), (ids{"a/tiny", "a/unit", "a/seven", "a/free"}));
  EXPECT_EQ(ids_under(c, "0.000000100000001"),
            (ids{"a/tiny", "a/unit", "a/seven", "a/above-seven", "a/free"}))
      << "a price past the 15th place is rounded up to the next unit";
  EXPECT_EQ(ids_under(c, "0.0000001000000000001"), (ids{"a/tiny", "a/unit", "a/seven", "a/free"}))
      << "equal past the 15th place: left out (1e-15 USD is the unit), never let through";
  EXPECT_EQ(ids_under(c, "1e5").size(), 5u) << "past the largest price unit: every price";
}

// The version (and so the ETag) changes when what queries read changes, even where the
// entry's JSON does not: a record without offers priced anew changes the entry's price.
TEST(MergedGroups, TheVersionCoversKeysTheJsonDoesNotShow) {
  auto first = ModelBuilder("o/m").offer("p", "0.000005").record("g1");
  auto cheap = [](const char* price) {
    ModelBuilder b("o/m");
    b.model.pricing_prompt = b.keep(price);
    return b.record("g2");
  };
  auto before = merged({{"g1", {first}}, {"g2", {cheap("0.000001")}}});
  auto after = merged({{"g1", {first}}, {"g2", {cheap("0.000009")}}});
  EXPECT_EQ(before->models()[0]->json, after->models()[0]->json);
  EXPECT_NE(before->models()[0]->price, after->models()[0]->price);
  EXPECT_NE(before->version(), after->version());
}

TEST(MergedGroups, ASnapshotBringsBackOffersAndCanonicalIds) {
  auto a = ModelBuilder("a/b", "Org/B")
               .offer("cheap", "0.0000001", "0.0000002", 8192, "live")
               .offer("off", "0.00000001", "", 65536, "offline")
               .record("g");
  auto plain = ModelBuilder("c/d").record("g");
  Catalog catalog({a, plain}, 1234);
  test::TempDir dir;
  write_snapshot(dir.path(), "g", catalog);
  std::optional<Snapshot> back = read_snapshot(dir.path(), "g");
  ASSERT_TRUE(back);
  ASSERT_EQ(back->models.size(), 2u);
  const ModelRecord& r = *back->models[0];
  EXPECT_EQ(r.json, a->json);
  EXPECT_EQ(r.lower_canonical, "org/b");
  EXPECT_EQ(r.price, a->price);
  EXPECT_EQ(r.context, a->context);
  EXPECT_EQ(r.offers_begin, a->offers_begin);
  EXPECT_EQ(r.offers_end, a->offers_end);
  ASSERT_EQ(r.offers.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const OfferKey &x = r.offers[i], &y = a->offers[i];
    EXPECT_EQ(std::tie(x.gateway, x.lower_model_id, x.begin, x.end, x.prompt, x.completion,
                       x.context, x.live),
              std::tie(y.gateway, y.lower_model_id, y.begin, y.end, y.prompt, y.completion,
                       y.context, y.live))
        << i;
  }
  EXPECT_TRUE(back->models[1]->offers.empty());
  EXPECT_EQ(Catalog(back->models, 1).version(), catalog.version());
}

// A snapshot's offers are read from the model's own top-level "offers" array, whatever the
// file says elsewhere: an "offers" array inside the metrics is data, not offers.
TEST(MergedGroups, ASnapshotsOffersAreTheModelsOwnArray) {
  ModelBuilder b("a/b");
  b.offer("real", "0.000001");
  b.model.metrics_key = b.keep("x_metrics");
  b.model.metrics_json =
      b.keep(R"({"offers":[{"gateway":"evil","provider":"e","model_id":"zz/evil","pricing":)"
             R"({"prompt":"0","completion":null},"context_length":null,"status":null}]})");
  Catalog catalog({b.record("g")}, 1);
  test::TempDir dir;
  write_snapshot(dir.path(), "g", catalog);
  std::optional<Snapshot> back = read_snapshot(dir.path(), "g");
  ASSERT_TRUE(back);
  const ModelRecord& r = *back->models[0];
  ASSERT_EQ(r.offers.size(), 1u);
  EXPECT_EQ(r.offers[0].lower_model_id, "a/b:real");
  auto again = std::make_shared<const Catalog>(back->models, 1);
  std::vector<NamedCatalog> twice{{"g", again}, {"h", again}};
  auto m = merge_catalogs(twice);
  EXPECT_EQ(m->find("zz/evil"), nullptr);
  test::Json j(m->models_json());  // valid JSON, the metrics untouched
  EXPECT_EQ(j.root().at(0)["x_metrics"]["offers"].get_array().size(), 1u);
}

}  // namespace
}  // namespace gatehouse
