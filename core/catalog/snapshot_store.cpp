#include "catalog/snapshot_store.hpp"

#include "support/file_read.hpp"
#include "support/json_writer.hpp"

#include <simdjson.h>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace gatehouse {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view format_name = "gatehouse-snapshot";
constexpr int64_t format_version = 1;
constexpr size_t max_snapshot_bytes = size_t{4} << 30;  // a 100k-model catalog is ~100 MB

std::optional<int64_t> known(int64_t value) {
  return value == GATEHOUSE_UNKNOWN_INT ? std::nullopt : std::optional<int64_t>(value);
}

// Strings in records were checked as UTF-8 at ingest, so writing them cannot fail.
void write_record(JsonWriter& json, const ModelRecord& m) {
  json.begin_object();
  json.key("id").string(m.id);
  json.key("name").string(m.name);
  json.key("provider_slug").string(m.provider_slug);
  json.key("pipeline_tag").string(m.pipeline_tag);
  json.key("created").integer_or_null(known(m.created));
  json.key("downloads").integer_or_null(known(m.downloads));
  json.key("likes").integer_or_null(known(m.likes));
  json.key("model").raw(m.json);
  json.end_object();
}

// One record per line, so a damaged file can be read by eye.
std::string render(std::string_view gateway, const Catalog& catalog) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("format").string(format_name);
  json.key("version").integer(format_version);
  json.key("gateway").string(gateway);
  json.key("fetched_at_ms").integer(catalog.fetched_at_ms());
  json.key("count").integer(static_cast<int64_t>(catalog.size()));
  json.key("models").begin_array();
  for (const auto& model : catalog.models()) {
    if (out.back() != '[') out.append(",\n");
    write_record(json, *model);
  }
  json.end_array().end_object();
  out.push_back('\n');
  return out;
}

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw SnapshotError("snapshot " + path.string() + ": " + what);
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, std::string("write failed: ") + std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

int64_t int_or_unknown(simdjson::ondemand::object& o, std::string_view key) {
  simdjson::ondemand::value v = o[key];
  if (v.is_null()) return GATEHOUSE_UNKNOWN_INT;
  return v.get_int64();
}

std::string string_of(simdjson::ondemand::object& o, std::string_view key) {
  return std::string(std::string_view(o[key]));
}

std::shared_ptr<const ModelRecord> read_record(simdjson::ondemand::object o) {
  auto m = std::make_shared<ModelRecord>();
  m->id = string_of(o, "id");
  m->name = string_of(o, "name");
  m->provider_slug = string_of(o, "provider_slug");
  m->pipeline_tag = string_of(o, "pipeline_tag");
  m->created = int_or_unknown(o, "created");
  m->downloads = int_or_unknown(o, "downloads");
  m->likes = int_or_unknown(o, "likes");
  simdjson::ondemand::object model = o["model"].get_object();
  m->json = std::string(model.raw_json().value());
  while (!m->json.empty() && (m->json.back() == ' ' || m->json.back() == '\n')) m->json.pop_back();
  m->index_keys();
  return m;
}

Snapshot parse(const simdjson::padded_string& bytes, std::string_view gateway,
               const fs::path& path) {
  // A full validation first: On-Demand alone would not notice damage it skips over.
  simdjson::dom::parser validator;
  if (auto error = validator.parse(bytes).error())
    fail(path, std::string("not valid JSON (") + simdjson::error_message(error) + ")");

  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc = parser.iterate(bytes);
  simdjson::ondemand::object root = doc.get_object();
  if (std::string_view(root["format"]) != format_name || int64_t(root["version"]) != format_version)
    fail(path, "not a gatehouse snapshot of format version 1");
  if (std::string_view(root["gateway"]) != gateway) fail(path, "belongs to another gateway");
  Snapshot snapshot;
  snapshot.fetched_at_ms = root["fetched_at_ms"];
  int64_t count = root["count"];
  for (simdjson::ondemand::object entry : root["models"].get_array())
    snapshot.models.push_back(read_record(entry));
  if (count != static_cast<int64_t>(snapshot.models.size()) || count == 0)
    fail(path, "holds " + std::to_string(snapshot.models.size()) + " models, its header says " +
                   std::to_string(count));
  return snapshot;
}

}  // namespace

fs::path snapshot_path(const fs::path& dir, std::string_view gateway) {
  return dir / (std::string(gateway) + ".catalog.json");
}

void write_snapshot(const fs::path& dir, std::string_view gateway, const Catalog& catalog) {
  fs::path path = snapshot_path(dir, gateway);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) fail(path, "cannot create folder: " + ec.message());
  fs::path temp = path;
  temp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(temp, std::string("cannot create: ") + std::strerror(errno));
  try {
    write_all(fd, render(gateway, catalog), temp);
    if (::fsync(fd) != 0) fail(temp, std::string("fsync failed: ") + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    fs::remove(temp, ec);
    throw;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    fs::remove(temp, ec);
    fail(path, std::string("rename failed: ") + std::strerror(error));
  }
  // The rename itself must survive a crash too.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

Snapshot parse_snapshot(std::string_view bytes, std::string_view gateway, const fs::path& path) {
  simdjson::padded_string padded(bytes);
  try {
    return parse(padded, gateway, path);
  } catch (const simdjson::simdjson_error& e) {
    fail(path, std::string("malformed: ") + e.what());
  }
}

std::optional<Snapshot> read_snapshot(const fs::path& dir, std::string_view gateway) {
  fs::path path = snapshot_path(dir, gateway);
  std::error_code ec;
  if (!fs::exists(path, ec) && !fs::is_symlink(path, ec)) return std::nullopt;
  std::string bytes;
  try {
    bytes = read_regular_file(path, max_snapshot_bytes);
  } catch (const FileError& e) {
    fail(path, std::string("cannot read: ") + e.what());
  }
  return parse_snapshot(bytes, gateway, path);
}

void remove_snapshot(const fs::path& dir, std::string_view gateway) {
  fs::path path = snapshot_path(dir, gateway);
  std::error_code ec;
  if (!fs::remove(path, ec) && ec) fail(path, "cannot remove: " + ec.message());
}

}  // namespace gatehouse
