// The Inference Providers router's model list as the Hugging Face plugin reads it
// (router_catalog.cpp) and what it makes of a served model (router_offers.cpp), on the real
// router recordings and on hostile input, with no network and no plugin loaded.
#include "harness/plugin_run.hpp"
#include "router_catalog.hpp"
#include "router_offers.hpp"

#include <gtest/gtest.h>
#include <gatehouse/offer_status.hpp>

#include <optional>
#include <string>

namespace gatehouse::huggingface {
namespace {

using test::fixture;
using test::read_bytes;

RouterCatalog read(const std::string& bytes) {
  return RouterCatalogReader().read(bytes, "the input");
}

RouterCatalog read_file(const std::string& name) { return read(read_bytes(fixture(name))); }

// The docs' excerpt is one bare item of `data`: the envelope is put around it here.
RouterCatalog read_excerpt() {
  return read("{\"data\":[" +
              read_bytes(fixture("huggingface/router_v1_models_item_excerpt.json")) + "]}");
}

const RouterProvider& provider(const RouterCatalog& c, std::string_view id, std::string_view name) {
  const std::vector<RouterProvider>* list = c.find(id);
  if (!list) throw std::runtime_error("no model " + std::string(id));
  for (const RouterProvider& p : *list)
    if (p.provider == name) return p;
  throw std::runtime_error("no provider " + std::string(name) + " for " + std::string(id));
}

std::string text(std::string_view view) { return view.data() ? std::string(view) : "<absent>"; }

// A Hub model as the normalizer would hand it over, given the router's offers.
struct Served {
  gatehouse::Model model;
  RouterOffers offers;  // what model points into
};
void serve(Served& s, const RouterCatalog& c, std::string_view id) {
  s.model.id = id;
  s.offers.apply(s.model, *c.find(id));
}

TEST(HuggingFaceRouterCatalog, TheTrimmedRecordingFieldByField) {
  RouterCatalog c = read_file("huggingface/router_v1_models_trimmed.json");
  EXPECT_EQ(c.models.size(), 4u);
  EXPECT_EQ(c.left_out, 0u);
  ASSERT_NE(c.find("moonshotai/Kimi-K3"), nullptr);
  ASSERT_EQ(c.find("moonshotai/Kimi-K3")->size(), 2u);
  EXPECT_EQ(c.find("MOONSHOTAI/kimi-k3"), c.find("moonshotai/Kimi-K3")) << "any case";
  EXPECT_EQ(c.find("moonshotai/Kimi-K2"), nullptr);

  const RouterProvider& together = c.find("moonshotai/Kimi-K3")->at(0);
  EXPECT_EQ(together.provider, "together");
  EXPECT_EQ(together.status, "live");
  EXPECT_EQ(together.context_length, 1000000);
  EXPECT_EQ(together.price_input, "0.000003");
  EXPECT_EQ(together.price_output, "0.000015");
  EXPECT_EQ(together.supports_tools, true);
  EXPECT_EQ(together.supports_structured_output, true);
  const RouterProvider& fireworks = c.find("moonshotai/Kimi-K3")->at(1);
  EXPECT_EQ(fireworks.provider, "fireworks-ai");
  EXPECT_EQ(fireworks.context_length, 1048576);
  EXPECT_EQ(fireworks.supports_structured_output, false);

  const RouterProvider& glm = provider(c, "zai-org/GLM-5.2", "together");
  EXPECT_EQ(glm.context_length, 512000);
  EXPECT_EQ(glm.price_input, "0.0000014");
  EXPECT_EQ(glm.price_output, "0.0000044");

  const RouterProvider& unpriced = provider(c, "thinkingmachines/Inkling", "fireworks-ai");
  EXPECT_EQ(unpriced.status, "live");
  EXPECT_EQ(unpriced.context_length, 1048576);
  EXPECT_EQ(unpriced.price_input, std::nullopt);
  EXPECT_EQ(unpriced.price_output, std::nullopt);
  EXPECT_EQ(provider(c, "thinkingmachines/Inkling", "together").price_output, "0.00000405");

  // {input: 0, output: 0} with is_free false: "0" is what the router says.
  const RouterProvider& bonsai = provider(c, "prism-ml/Ternary-Bonsai-27B-gguf", "together");
  EXPECT_EQ(bonsai.price_input, "0");
  EXPECT_EQ(bonsai.price_output, "0");
  EXPECT_EQ(bonsai.context_length, 262144);
}

TEST(HuggingFaceRouterOffers, KimiK3TakesTheLargestWindowAndTheFirstOfTwoEqualPrices) {
  RouterCatalog c = read_file("huggingface/router_v1_models_trimmed.json");
  Served s;
  serve(s, c, "moonshotai/Kimi-K3");
  const gatehouse::Model& m = s.model;
  EXPECT_EQ(m.context_length, 1048576);
  EXPECT_EQ(text(m.pricing_prompt), "0.000003");
  EXPECT_EQ(text(m.pricing_completion), "0.000015");
  ASSERT_EQ(m.offers.size(), 2u);
  EXPECT_EQ(m.offers[0].provider, "together");
  EXPECT_EQ(m.offers[0].model_id, "moonshotai/Kimi-K3:together");
  EXPECT_EQ(text(m.offers[0].pricing_prompt), "0.000003");
  EXPECT_EQ(text(m.offers[0].pricing_completion), "0.000015");
  EXPECT_EQ(m.offers[0].context_length, 1000000);
  EXPECT_EQ(m.offers[0].max_output_tokens, std::nullopt) << "the router does not say";
  EXPECT_EQ(text(m.offers[0].status), "live");
  EXPECT_EQ(m.offers[1].model_id, "moonshotai/Kimi-K3:fireworks-ai");
  EXPECT_EQ(m.offers[1].context_length, 1048576);
}

TEST(HuggingFaceRouterOffers, InklingIsPricedByItsOnlyPricedProvider) {
  RouterCatalog c = read_file("huggingface/router_v1_models_trimmed.json");
  Served s;
  serve(s, c, "thinkingmachines/Inkling");
  EXPECT_EQ(text(s.model.pricing_prompt), "0.000001");
  EXPECT_EQ(text(s.model.pricing_completion), "0.00000405");
  EXPECT_EQ(s.model.context_length, 1048576) << "fireworks-ai's window counts, priced or not";
  ASSERT_EQ(s.model.offers.size(), 2u);
  EXPECT_EQ(s.model.offers[1].provider, "fireworks-ai");
  EXPECT_EQ(s.model.offers[1].pricing_prompt.data(), nullptr);
  EXPECT_EQ(s.model.offers[1].pricing_completion.data(), nullptr);
}

TEST(HuggingFaceRouterOffers, AFreeLookingZeroPriceStaysZero) {
  RouterCatalog c = read_file("huggingface/router_v1_models_trimmed.json");
  Served s;
  serve(s, c, "prism-ml/ternary-bonsai-27b-gguf");
  EXPECT_EQ(text(s.model.pricing_prompt), "0");
  EXPECT_EQ(text(s.model.pricing_completion), "0");
  EXPECT_EQ(s.model.offers[0].model_id, "prism-ml/ternary-bonsai-27b-gguf:together")
      << "the offer's id is the Hub model's own";
}

TEST(HuggingFaceRouterCatalog, TheDocsExcerptFieldByField) {
  RouterCatalog c = read_excerpt();
  const std::vector<RouterProvider>* list = c.find("deepseek-ai/DeepSeek-V4-Pro");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->size(), 5u);
  const RouterProvider& novita = list->at(0);
  EXPECT_EQ(novita.price_input, "0.00000169");
  EXPECT_EQ(novita.price_output, "0.00000338");
  EXPECT_EQ(novita.supports_structured_output, false);
  const RouterProvider& featherless = provider(c, "deepseek-ai/DeepSeek-V4-Pro", "featherless-ai");
  EXPECT_EQ(featherless.status, "live");
  EXPECT_EQ(featherless.context_length, std::nullopt);
  EXPECT_EQ(featherless.price_input, std::nullopt);
  EXPECT_EQ(featherless.supports_tools, std::nullopt);
  EXPECT_EQ(featherless.supports_structured_output, std::nullopt);
  const RouterProvider& deepinfra = list->at(4);
  EXPECT_EQ(deepinfra.provider, "deepinfra");
  EXPECT_EQ(deepinfra.context_length, 65536);
  EXPECT_EQ(deepinfra.price_input, "0.00000174");
  EXPECT_EQ(deepinfra.price_output, "0.00000348");

  Served s;
  serve(s, c, "deepseek-ai/DeepSeek-V4-Pro");
  EXPECT_EQ(text(s.model.pricing_prompt), "0.00000169") << "novita: the lowest input price";
  EXPECT_EQ(text(s.model.pricing_completion), "0.00000338");
  EXPECT_EQ(s.model.context_length, 1048576);
  ASSERT_EQ(s.model.offers.size(), 5u);
  EXPECT_EQ(s.model.offers[3].model_id, "deepseek-ai/DeepSeek-V4-Pro:featherless-ai");
  EXPECT_EQ(s.model.offers[3].context_length, std::nullopt);
}

TEST(HuggingFaceRouterCatalog, BytesThatAreNotARouterListFailWithTheReason) {
  std::string real = read_bytes(fixture("huggingface/router_v1_models_trimmed.json"));
  struct Case {
    std::string bytes, says;
  };
  for (const Case& c :
       {Case{real.substr(0, real.size() / 2), "the input is not valid JSON at byte"},
        Case{"", "the input is not valid JSON"},
        Case{"{\"data\": [1, 2", "the input is not valid JSON"},
        Case{"[]", "is not a router model list"},
        Case{"{\"object\":\"list\"}", "is not a router model list"},
        Case{"{\"data\":{\"id\":\"a/b\"}}", "is not a router model list"},
        Case{"\"data\"", "is not a router model list"}}) {
    try {
      read(c.bytes);
      ADD_FAILURE() << "no error for " << c.bytes;
    } catch (const gatehouse::Error& e) {
      EXPECT_EQ(e.status(), GATEHOUSE_ERR_PARSE) << c.bytes;
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << e.what();
    }
  }
}

TEST(HuggingFaceRouterCatalog, MissingFieldsLeaveThemUnknown) {
  RouterCatalog c = read(R"({"data": [
      {"id": "a/b", "providers": [{"provider": "x"}, {"provider": "y", "pricing": {"output": 2}}]},
      {"providers": [{"provider": "nameless-model"}]},
      {"id": "c/d"},
      {"id": "e/f", "providers": []},
      {"id": "g/h", "providers": [{"status": "live"}]}]})");
  EXPECT_EQ(c.models.size(), 1u) << "a model nobody serves adds nothing";
  const RouterProvider& x = provider(c, "a/b", "x");
  EXPECT_EQ(x.status, std::nullopt);
  EXPECT_EQ(x.context_length, std::nullopt);
  EXPECT_EQ(x.price_input, std::nullopt);
  EXPECT_EQ(x.price_output, std::nullopt);
  EXPECT_EQ(x.supports_tools, std::nullopt);
  EXPECT_EQ(x.supports_structured_output, std::nullopt);
  EXPECT_EQ(provider(c, "a/b", "y").price_output, "0.000002");
  EXPECT_EQ(c.left_out, 2u) << "the model without an id, the provider without a name";

  Served s;
  serve(s, c, "a/b");
  EXPECT_EQ(s.model.context_length, std::nullopt);
  EXPECT_EQ(s.model.pricing_prompt.data(), nullptr) << "no live provider priced both ways";
  EXPECT_EQ(s.model.offers.size(), 2u);
}

TEST(HuggingFaceRouterCatalog, WrongTypesAreUnknownNotFatal) {
  RouterCatalog c = read(R"({"data": [
      {"id": "a/b", "providers": [
        {"provider": "x", "status": 5, "context_length": "big", "pricing": {"input": "1.5",
         "output": null}, "supports_tools": "yes", "supports_structured_output": 1},
        {"provider": 7},
        "together",
        {"provider": "y", "pricing": [1, 2], "context_length": -5, "status": ""},
        {"provider": "z", "pricing": {"input": -1, "output": 1e300}, "context_length": 1.5e5},
        {"provider": "w", "pricing": "free", "context_length": 1e30, "status": ["live"]}]},
      5,
      {"id": ["x/y"], "providers": [{"provider": "x"}]},
      {"id": "i/j", "providers": {"provider": "x"}}]})");
  ASSERT_NE(c.find("a/b"), nullptr);
  EXPECT_EQ(c.find("a/b")->size(), 4u);
  const RouterProvider& x = provider(c, "a/b", "x");
  EXPECT_EQ(x.status, std::nullopt);
  EXPECT_EQ(x.context_length, std::nullopt);
  EXPECT_EQ(x.price_input, std::nullopt) << "the router prices with numbers";
  EXPECT_EQ(x.price_output, std::nullopt);
  EXPECT_EQ(x.supports_tools, std::nullopt);
  EXPECT_EQ(x.supports_structured_output, std::nullopt);
  const RouterProvider& y = provider(c, "a/b", "y");
  EXPECT_EQ(y.price_input, std::nullopt);
  EXPECT_EQ(y.context_length, std::nullopt) << "a negative window is no window";
  EXPECT_EQ(y.status, std::nullopt) << "an empty status says nothing";
  const RouterProvider& z = provider(c, "a/b", "z");
  EXPECT_EQ(z.price_input, std::nullopt) << "a negative price is no price";
  EXPECT_EQ(z.price_output, std::nullopt) << "an absurd price is no price";
  EXPECT_EQ(z.context_length, 150000) << "a whole number written 1.5e5";
  const RouterProvider& w = provider(c, "a/b", "w");
  EXPECT_EQ(w.context_length, std::nullopt);
  EXPECT_EQ(w.status, std::nullopt);
  EXPECT_EQ(c.find("i/j"), nullptr);
  EXPECT_EQ(c.left_out, 4u) << "provider 7, \"together\", the item 5, the id that is a list";
}

TEST(HuggingFaceRouterCatalog, IdsAndNamesThatCouldBendAnIdAreLeftOut) {
  std::string long_name(RouterCatalogReader::max_provider_name + 1, 'p');
  std::string long_status(RouterCatalogReader::max_status + 1, 's');
  RouterCatalog c =
      read(R"({"data": [
      {"id": "../etc", "providers": [{"provider": "x"}]},
      {"id": "a/b/c", "providers": [{"provider": "x"}]},
      {"id": "gpt2", "providers": [{"provider": "x"}]},
      {"id": "a/b", "providers": [{"provider": "x:y"}, {"provider": "x y"}, {"provider": ""},
                                  {"provider": "ok.name_2-b"}, {"provider": ")" +
           long_name + R"("}, {"provider": "s", "status": ")" + long_status + R"("}]}]})");
  EXPECT_EQ(c.models.size(), 1u);
  ASSERT_NE(c.find("a/b"), nullptr);
  ASSERT_EQ(c.find("a/b")->size(), 2u);
  EXPECT_EQ(c.find("a/b")->at(0).provider, "ok.name_2-b");
  EXPECT_EQ(c.find("a/b")->at(1).status, std::nullopt) << "a status past its cap";
  EXPECT_EQ(c.left_out, 7u);
}

TEST(HuggingFaceRouterCatalog, TheFirstListingOfAnIdOrAProviderIsKept) {
  RouterCatalog c = read(R"({"data": [
      {"providers": [{"provider": "one", "status": "live"}, {"provider": "ONE"}], "id": "A/b"},
      {"id": "a/B", "providers": [{"provider": "two"}]}]})");
  ASSERT_NE(c.find("a/b"), nullptr);
  ASSERT_EQ(c.find("a/b")->size(), 1u) << "id after providers is read too";
  EXPECT_EQ(c.find("a/b")->at(0).status, "live");
  EXPECT_EQ(c.left_out, 2u);
}

TEST(HuggingFaceRouterCatalog, AHugeListIsCapped) {
  std::string many = R"({"data": [{"id": "big/model", "providers": [)";
  for (int i = 0; i < 1000; ++i)
    many += (i ? "," : "") + std::string(R"({"provider": "p)") + std::to_string(i) +
            R"(", "status": "live", "pricing": {"input": 1, "output": 1}})";
  many += "]}";
  size_t models = RouterCatalogReader::max_models + 50;
  for (size_t i = 0; i < models; ++i)
    many += R"(, {"id": "o/m)" + std::to_string(i) + R"(", "providers": [{"provider": "x"}]})";
  many += "]}";
  RouterCatalog c = read(many);
  EXPECT_EQ(c.models.size(), RouterCatalogReader::max_models);
  ASSERT_NE(c.find("big/model"), nullptr);
  ASSERT_EQ(c.find("big/model")->size(), RouterCatalogReader::max_providers);
  EXPECT_EQ(c.find("big/model")->back().provider, "p63");
  EXPECT_EQ(c.left_out, (1000 - RouterCatalogReader::max_providers) + 51);
}

TEST(HuggingFaceRouterOffers, ThePriceIsTheCheapestLiveProviderPricedBothWays) {
  auto p = [](std::string name, std::optional<std::string> status, std::optional<std::string> in,
              std::optional<std::string> out) {
    RouterProvider r;
    r.provider = std::move(name);
    r.status = std::move(status);
    r.price_input = std::move(in);
    r.price_output = std::move(out);
    return r;
  };
  std::vector<RouterProvider> list = {p("staging", "staging", "0.0000001", "0.0000001"),
                                      p("offline", "offline", "0.0000001", "0.0000001"),
                                      p("half", "live", "0.0000001", std::nullopt),
                                      p("first", "live", "0.000002", "0.000003"),
                                      p("output", "live", "0.000002", "0.0000029"),
                                      p("same", "live", "0.0000020", "0.00000290"),
                                      p("dear", "live", "0.00002", "0.000001")};
  const RouterProvider* best = cheapest_live(list);
  ASSERT_NE(best, nullptr);
  EXPECT_EQ(best->provider, "output") << "a tie on input goes to the lower output, then the first";
  list.resize(3);
  EXPECT_EQ(cheapest_live(list), nullptr);
}

// The model's price and window count the providers the host counts as live (the SDK's one
// definition): "live" in any case, or no status at all; "staging" does not.
TEST(HuggingFaceRouterOffers, LiveIsTheSdksLiveInAnyCaseOrUnsaid) {
  RouterCatalog c = read(R"({"data": [{"id": "a/b", "providers": [
      {"provider": "upper", "status": "LIVE", "context_length": 199300,
       "pricing": {"input": 0.2, "output": 0.4}},
      {"provider": "lower", "status": "live", "context_length": 8000,
       "pricing": {"input": 1, "output": 2}},
      {"provider": "staging", "status": "staging", "context_length": 900000,
       "pricing": {"input": 0.01, "output": 0.01}}]},
    {"id": "c/d", "providers": [
      {"provider": "silent", "context_length": 4096, "pricing": {"input": 0.3, "output": 0.6}},
      {"provider": "lower", "status": "live", "context_length": 2048,
       "pricing": {"input": 1, "output": 2}}]}]})");
  Served upper;
  serve(upper, c, "a/b");
  EXPECT_EQ(text(upper.model.pricing_prompt), "0.0000002");
  EXPECT_EQ(text(upper.model.pricing_completion), "0.0000004");
  EXPECT_EQ(upper.model.context_length, 199300);
  Served silent;
  serve(silent, c, "c/d");
  EXPECT_EQ(text(silent.model.pricing_prompt), "0.0000003");
  EXPECT_EQ(silent.model.context_length, 4096);

  for (std::string_view status : {"live", "LIVE", "Live", "lIvE"})
    EXPECT_TRUE(gatehouse::offer_is_live(status)) << status;
  EXPECT_TRUE(gatehouse::offer_is_live(std::string_view()));
  for (std::string_view status : {"staging", "offline", "", "live ", "lives"})
    EXPECT_FALSE(gatehouse::offer_is_live(status)) << status;
}

TEST(HuggingFaceRouterOffers, DecimalTextComparesAsNumbers) {
  EXPECT_EQ(compare_decimal("0.000003", "0.0000030"), 0);
  EXPECT_EQ(compare_decimal("0", "0.0"), 0);
  EXPECT_EQ(compare_decimal("00", "0"), 0);
  EXPECT_EQ(compare_decimal("0.1", "0.09"), 1);
  EXPECT_EQ(compare_decimal("0.5", "0.55"), -1);
  EXPECT_EQ(compare_decimal("0.6", "0.55"), 1);
  EXPECT_EQ(compare_decimal("10", "9.99"), 1);
  EXPECT_EQ(compare_decimal("2", "10"), -1);
  EXPECT_EQ(compare_decimal("0.00000169", "0.00000174"), -1);
}

TEST(HuggingFaceRouterOffers, InferenceProvidersListTheRoutersThenTheHubsOthers) {
  RouterCatalog c = read(R"({"data": [{"id": "a/b", "providers": [
      {"provider": "novita", "status": "live", "supports_tools": true,
       "supports_structured_output": false},
      {"provider": "sambanova", "status": "staging"}]}]})");
  std::string out;
  write_inference_providers(*c.find("a/b"),
                            {{"SambaNova", "live"}, {"hf-inference", "live"}, {"odd", {}}}, out);
  EXPECT_EQ(out, R"([{"provider":"novita","status":"live","supports_tools":true,)"
                 R"("supports_structured_output":false},)"
                 R"({"provider":"sambanova","status":"staging","supports_tools":null,)"
                 R"("supports_structured_output":null},)"
                 R"({"provider":"hf-inference","status":"live","supports_tools":null,)"
                 R"("supports_structured_output":null},)"
                 R"({"provider":"odd","status":null,"supports_tools":null,)"
                 R"("supports_structured_output":null}])");
}

}  // namespace
}  // namespace gatehouse::huggingface
