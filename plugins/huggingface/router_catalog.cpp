#include "router_catalog.hpp"

#include <gatehouse/price.hpp>
#include <gatehouse/text.hpp>

#include <algorithm>

namespace gatehouse::huggingface {
namespace {

namespace od = simdjson::ondemand;
using gatehouse::found;
using gatehouse::integer_or_absent;
using gatehouse::string_or_absent;
using sv = std::string_view;

// A provider name becomes part of the id that picks it at the router ("owner/name:together"):
// a name that could bend that id (a ':', a '/', a space) or is no name at all is not kept.
bool is_provider_name(sv name) {
  return !name.empty() && name.size() <= RouterCatalogReader::max_provider_name &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
         });
}

std::optional<bool> boolean_or_absent(od::value v) {
  bool b;
  if (found(v.get_bool().get(b))) return b;
  return std::nullopt;
}

// A JSON number in USD per 1M tokens as decimal text per token; nullopt for anything else,
// a negative or absurdly large number among them. {input: 0} stays "0": that is what the
// router says, whatever its is_free.
std::optional<std::string> price_per_token(od::value v) {
  double per_million;
  if (!found(v.get_double().get(per_million))) return std::nullopt;
  return gatehouse::price::per_million_to_per_token(per_million);
}

void read_pricing(od::value v, RouterProvider& p) {
  od::object pricing;
  if (!found(v.get_object().get(pricing))) return;
  for (auto field : pricing) {
    sv key = field.unescaped_key();
    od::value price = field.value();
    if (key == "input")
      p.price_input = price_per_token(price);
    else if (key == "output")
      p.price_output = price_per_token(price);
  }
}

void read_status(od::value v, RouterProvider& p) {
  sv status = string_or_absent(v);
  if (!status.empty() && status.size() <= RouterCatalogReader::max_status)
    p.status = std::string(status);
}

// One provider entry; nullopt when it has no usable provider name.
std::optional<RouterProvider> read_provider(od::object entry) {
  RouterProvider p;
  sv name;
  for (auto field : entry) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    if (key == "provider") {
      name = string_or_absent(v);
    } else if (key == "status") {
      read_status(v, p);
    } else if (key == "context_length") {
      std::optional<int64_t> tokens = integer_or_absent(v);
      p.context_length = tokens.value_or(0) > 0 ? tokens : std::nullopt;
    } else if (key == "pricing") {
      read_pricing(v, p);
    } else if (key == "supports_tools") {
      p.supports_tools = boolean_or_absent(v);
    } else if (key == "supports_structured_output") {
      p.supports_structured_output = boolean_or_absent(v);
    }
  }
  if (!is_provider_name(name)) return std::nullopt;
  p.provider = std::string(name);
  return p;
}

bool has_provider(const std::vector<RouterProvider>& list, sv name) {
  return std::any_of(list.begin(), list.end(),
                     [&](const RouterProvider& p) { return gatehouse::iequals(p.provider, name); });
}

}  // namespace

const std::vector<RouterProvider>* RouterCatalog::find(std::string_view id) const {
  if (models.empty()) return nullptr;
  auto at = models.find(gatehouse::ascii_lower(id));
  return at == models.end() ? nullptr : &at->second;
}

RouterCatalog RouterCatalogReader::read(sv bytes, sv where) {
  RouterCatalog catalog;
  reader_.read(bytes, where, "valid JSON", [&](od::document& doc) {
    od::object root;
    bool listed = false;  // a "data" array was read
    if (found(doc.get_object().get(root))) {
      for (auto field : root) {
        sv key = field.unescaped_key();
        od::value v = field.value();
        od::array data;
        if (key == "data" && found(v.get_array().get(data))) {
          read_models(data, catalog);
          listed = true;
        }
      }
    }
    if (!listed)
      throw gatehouse::Error(
          GATEHOUSE_ERR_PARSE,
          std::string(where) +
              " is not a router model list (an object whose \"data\" is an array)");
  });
  return catalog;
}

void RouterCatalogReader::read_models(od::array data, RouterCatalog& catalog) {
  for (od::value item : data) {
    od::object model;
    if (found(item.get_object().get(model)))
      read_model(model, catalog);
    else
      ++catalog.left_out;
  }
}

void RouterCatalogReader::read_model(od::object item, RouterCatalog& catalog) {
  if (catalog.models.size() == max_models) {
    ++catalog.left_out;
    return;
  }
  sv id;
  std::vector<RouterProvider> providers;
  size_t providers_left_out = 0;
  for (auto field : item) {
    sv key = field.unescaped_key();
    od::value v = field.value();
    if (key == "id")
      id = string_or_absent(v);
    else if (key == "providers")
      read_providers(v, providers, providers_left_out);
  }
  // Only a Hub repo id can match a Hub model; the first listing of an id is the one kept.
  if (!gatehouse::is_hub_repo_id(id)) {
    ++catalog.left_out;
    return;
  }
  catalog.left_out += providers_left_out;
  if (providers.empty()) return;  // served by nobody: nothing to add to the Hub's model
  if (!catalog.models.try_emplace(gatehouse::ascii_lower(id), std::move(providers)).second)
    ++catalog.left_out;
}

void RouterCatalogReader::read_providers(od::value list, std::vector<RouterProvider>& out,
                                         size_t& left_out) {
  od::array entries;
  if (!found(list.get_array().get(entries))) return;
  for (od::value item : entries) {
    od::object entry;
    if (out.size() == max_providers || !found(item.get_object().get(entry))) {
      ++left_out;
      continue;
    }
    std::optional<RouterProvider> p = read_provider(entry);
    if (!p || has_provider(out, p->provider)) {
      ++left_out;  // unnamed, or named twice: the first is the one kept
      continue;
    }
    out.push_back(std::move(*p));
  }
}

}  // namespace gatehouse::huggingface
