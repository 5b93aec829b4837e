// The merged `all` catalog: records grouped into one entry per model across gateways.
#include "catalog/catalog.hpp"
#include "catalog/offers.hpp"

#include <numeric>
#include <unordered_map>

namespace gatehouse {
namespace {

// Records are one model when they share a key (a lower-cased id or canonical id), directly
// or through other records: the components of the graph of keys a record joins.
class KeyGroups {
 public:
  // Joins the record's id and canonical id; returns the record's key node.
  uint32_t add(const ModelRecord& record) {
    uint32_t a = node(record.lower_id), b = node(record.group_key());
    parent_[root(a)] = root(b);
    return a;
  }
  uint32_t root(uint32_t n) {
    while (parent_[n] != n) n = parent_[n] = parent_[parent_[n]];
    return n;
  }

 private:
  uint32_t node(std::string_view key) {
    auto [it, fresh] = nodes_.emplace(key, static_cast<uint32_t>(parent_.size()));
    if (fresh) parent_.push_back(it->second);
    return it->second;
  }

  std::unordered_map<std::string_view, uint32_t> nodes_;  // views into the records
  std::vector<uint32_t> parent_;
};

}  // namespace

std::shared_ptr<const Catalog> merge_catalogs(std::span<const NamedCatalog> gateways) {
  ModelRecords all;
  std::vector<CatalogPart> parts;
  int64_t oldest = 0;
  for (const auto& [name, catalog] : gateways) {
    if (!catalog) continue;
    all.insert(all.end(), catalog->models().begin(), catalog->models().end());
    parts.push_back({name, catalog->fetched_at_ms()});
    if (parts.size() == 1 || catalog->fetched_at_ms() < oldest) oldest = catalog->fetched_at_ms();
  }
  if (parts.empty()) return nullptr;
  // One gateway's catalog that groups nothing is its own merge: shared, not built again.
  if (parts.size() == 1)
    for (const auto& [name, catalog] : gateways)
      if (catalog && !catalog->shares_keys())
        return std::make_shared<const Catalog>(*catalog, std::move(parts));

  KeyGroups groups;
  std::vector<uint32_t> node_of(all.size());
  for (size_t i = 0; i < all.size(); ++i) node_of[i] = groups.add(*all[i]);
  // Entries in the order of their first record.
  std::unordered_map<uint32_t, uint32_t> entry_of_root;
  std::vector<uint32_t> entry_of(all.size()), first_of, size_of;
  for (uint32_t i = 0; i < all.size(); ++i) {
    auto [it, fresh] = entry_of_root.emplace(groups.root(node_of[i]), first_of.size());
    if (fresh) {
      first_of.push_back(i);
      size_of.push_back(0);
    }
    entry_of[i] = it->second;
    ++size_of[it->second];
  }

  // The records of each entry of several, in gateway order (an entry of one needs no list).
  std::vector<ModelRecords> grouped(first_of.size());
  for (uint32_t i = 0; i < all.size(); ++i)
    if (size_of[entry_of[i]] > 1) grouped[entry_of[i]].push_back(all[i]);

  ModelRecords models;
  std::vector<GroupMember> members;
  models.reserve(first_of.size());
  for (uint32_t entry = 0; entry < first_of.size(); ++entry) {
    if (size_of[entry] == 1) {
      models.push_back(all[first_of[entry]]);  // shared with the gateway's catalog
      continue;
    }
    models.push_back(std::make_shared<const ModelRecord>(merged_record(grouped[entry])));
    for (auto& r : grouped[entry]) members.push_back({std::move(r), entry});
  }
  return std::make_shared<const Catalog>(std::move(models), oldest, std::move(parts),
                                         std::move(members));
}

}  // namespace gatehouse
