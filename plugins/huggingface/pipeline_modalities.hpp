// One table for every Hub pipeline tag: what a model of that task takes and gives.
#pragma once

#include <span>
#include <string_view>

namespace gatehouse::huggingface {

struct Modalities {
  std::span<const std::string_view> inputs;
  std::span<const std::string_view> outputs;
};

// Empty lists for an unknown or absent tag (the host then reports modality null).
Modalities modalities_of(std::string_view pipeline_tag);

}  // namespace gatehouse::huggingface
