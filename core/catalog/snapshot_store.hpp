// Each gateway's last good catalog on disk, so a restart without network still serves.
// Written atomically (temp file, fsync, rename, fsync of the folder); read back strictly.
#pragma once

#include "catalog/catalog.hpp"

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace gatehouse {

class SnapshotError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Snapshot {
  ModelRecords models;
  int64_t fetched_at_ms = 0;
};

std::filesystem::path snapshot_path(const std::filesystem::path& dir, std::string_view gateway);

// The snapshot of `catalog` as bytes: what write_snapshot() writes, and the shared tier
// stores.
std::string render_snapshot(std::string_view gateway, const Catalog& catalog);

// Throws SnapshotError naming the file and the system's reason.
void write_snapshot(const std::filesystem::path& dir, std::string_view gateway,
                    const Catalog& catalog);

// nullopt when there is no snapshot; throws SnapshotError when the file is unreadable,
// truncated, corrupt, or belongs to another gateway.
std::optional<Snapshot> read_snapshot(const std::filesystem::path& dir, std::string_view gateway);

// The snapshot in `bytes` (the file at `path`, which messages name). Throws SnapshotError
// when it is truncated, corrupt, or another gateway's.
Snapshot parse_snapshot(std::string_view bytes, std::string_view gateway,
                        const std::filesystem::path& path);

// Throws SnapshotError when the file exists and cannot be removed.
void remove_snapshot(const std::filesystem::path& dir, std::string_view gateway);

}  // namespace gatehouse
