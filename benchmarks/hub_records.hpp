// Real Hub list records (tests/fixtures) turned into catalog records, for benchmarks.
#pragma once

#include "catalog/model_record.hpp"

#include <memory>
#include <string>
#include <vector>

namespace gatehouse::bench {

// Every record of a Hub list response, each with its whole upstream object as metrics.
// `copies` > 1 repeats the list with "-copyN" ids: a larger catalog of the same shape.
std::vector<std::shared_ptr<const ModelRecord>> load_hub_records(const std::string& path,
                                                                 int copies = 1);

}  // namespace gatehouse::bench
