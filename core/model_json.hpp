// Turns one model a plugin emitted into the catalog's JSON object (DESIGN.md's schema),
// checking it on the way: the host never passes on what it cannot vouch for.
#pragma once

#include <gatehouse/plugin.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace gatehouse {

// Why a model was dropped, e.g. "model 'x/y': metrics_json is not a JSON object".
class InvalidModel : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Fills what the plugin left absent (name, provider_slug, modality) by one rule for all
// plugins, and stamps source_gateway. Throws InvalidModel.
std::string render_model_json(const gatehouse_model& model, std::string_view source_gateway);

// "Llama-3.1-8B-Instruct" from "meta-llama/Llama-3.1-8B-Instruct" -> "Llama 3.1 8B Instruct":
// the id's own capitals, separators as spaces.
std::string name_from_id(std::string_view id);

}  // namespace gatehouse
