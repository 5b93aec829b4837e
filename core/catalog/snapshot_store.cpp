#include "catalog/snapshot_store.hpp"

#include "catalog/offers.hpp"
#include "support/content_hash.hpp"
#include "support/file_read.hpp"
#include "support/json_writer.hpp"

#include <simdjson.h>
#include <gatehouse/offer_status.hpp>
#include <gatehouse/text.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <span>
#include <thread>

namespace gatehouse {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view format_name = "gatehouse-snapshot";
// 2: offers and canonical ids (ABI 1.1). 3: a checksum in place of a validation pass (a
// version 2 file is still read, validated as before).
constexpr int64_t format_version = 3;
// The file begins with these bytes, then the checksum's 16 hex digits and '"': XXH3-64 of
// every byte after them, which damage or truncation changes.
constexpr std::string_view sealed_head =
    R"({"format":"gatehouse-snapshot","version":3,"checksum":")";
constexpr size_t checksum_digits = 16;
constexpr size_t max_snapshot_bytes = size_t{4} << 30;  // a 100k-model catalog is ~100 MB

// Strings in records were checked as UTF-8 at ingest, so writing them cannot fail.
void write_record(JsonWriter& json, const ModelRecord& m) {
  json.begin_object();
  json.key("id").string(m.id);
  json.key("name").string(m.name);
  json.key("provider_slug").string(m.provider_slug);
  json.key("pipeline_tag").string(m.pipeline_tag);
  json.key("created").integer_or_null(value_or_null(m.created));
  json.key("downloads").integer_or_null(value_or_null(m.downloads));
  json.key("likes").integer_or_null(value_or_null(m.likes));
  json.key("model").raw(m.json);  // canonical id, offers and their keys are read from it
  json.end_object();
}

}  // namespace

// One record per line, so a damaged file can be read by eye.
std::string render_snapshot(std::string_view gateway, const Catalog& catalog) {
  std::string out(sealed_head);
  out.append(checksum_digits, '0').push_back('"');
  size_t sealed_from = out.size();
  JsonWriter json(out);
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
  std::string checksum =
      ContentHash::to_hex(ContentHash::of(std::string_view(out).substr(sealed_from)));
  out.replace(sealed_head.size(), checksum_digits, checksum);
  return out;
}

namespace {

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

std::string_view trimmed(std::string_view raw) {
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n')) raw.remove_suffix(1);
  return raw;
}

std::optional<int64_t> price_or_unknown(simdjson::ondemand::object& pricing, std::string_view key) {
  simdjson::ondemand::value v = pricing[key];
  if (v.is_null()) return GATEHOUSE_UNKNOWN_INT;
  return price_units(std::string_view(v));
}

// One offer's place in the model's JSON (which starts at model_start) and its keys.
OfferKey read_offer(simdjson::ondemand::object o, const char* model_start) {
  OfferKey key;
  std::string_view raw = trimmed(o.raw_json());
  key.begin = static_cast<uint32_t>(raw.data() - model_start);
  key.end = static_cast<uint32_t>(key.begin + raw.size());
  o.reset();
  key.gateway = std::string(std::string_view(o["gateway"]));
  key.lower_model_id = ascii_lower(std::string_view(o["model_id"]));
  simdjson::ondemand::object pricing = o["pricing"];
  std::optional<int64_t> prompt = price_or_unknown(pricing, "prompt");
  std::optional<int64_t> completion = price_or_unknown(pricing, "completion");
  if (!prompt || !completion) throw std::invalid_argument("an offer's price is not decimal text");
  key.prompt = *prompt;
  key.completion = *completion;
  key.context = int_or_unknown(o, "context_length");
  simdjson::ondemand::value status = o["status"];
  key.live = offer_is_live(status.is_null() ? std::string_view() : std::string_view(status));
  return key;
}

// What ingest derived from the plugin's struct, derived again from the model's own JSON
// (so a snapshot cannot hold keys or offsets that disagree with it): the JSON, the
// canonical id, the offers' places and keys, the model's price and context keys.
void read_model(simdjson::ondemand::object model, ModelRecord& m) {
  std::string_view raw = trimmed(model.raw_json());
  m.json = raw;
  model.reset();
  std::string_view canonical;
  int64_t own_context = GATEHOUSE_UNKNOWN_INT;
  std::optional<int64_t> own_prompt = GATEHOUSE_UNKNOWN_INT;
  bool offers_read = false;
  for (auto field : model) {
    std::string_view key = field.unescaped_key();
    simdjson::ondemand::value v = field.value();
    if (key == "canonical_id" && !v.is_null()) canonical = std::string_view(v);
    if (key == "context_length" && !v.is_null()) own_context = v.get_int64();
    if (key == "pricing") {
      simdjson::ondemand::object pricing = v.get_object();
      own_prompt = price_or_unknown(pricing, "prompt");
    }
    if (key != "offers") continue;
    if (offers_read) throw std::invalid_argument("a model holds two offers arrays");
    offers_read = true;
    simdjson::ondemand::array offers = v.get_array();
    std::string_view array = trimmed(offers.raw_json());
    m.offers_begin = static_cast<uint32_t>(array.data() - raw.data());
    m.offers_end = static_cast<uint32_t>(m.offers_begin + array.size());
    offers.reset();
    for (simdjson::ondemand::object o : offers) m.offers.push_back(read_offer(o, raw.data()));
  }
  if (!offers_read || !own_prompt)
    throw std::invalid_argument("a model without its offers array or with a bad price");
  m.index_keys();
  m.set_canonical(canonical);
  set_offer_keys(m, *own_prompt, own_context);
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
  read_model(o["model"].get_object(), *m);
  return m;
}

// On-Demand alone would not notice damage in what it skips over: a version 3 file is
// checked by its checksum (a pass over the bytes at memory speed), a version 2 file by a
// full validation (a DOM parse, which costs more than reading the snapshot). The checksum
// guards against damage, not against a hand: a file edited and sealed again is trusted as
// this build wrote it. Returns whether the file was sealed.
bool check_whole(simdjson::padded_string_view bytes, const fs::path& path) {
  std::string_view all(bytes.data(), bytes.size());
  if (all.starts_with(sealed_head)) {
    std::string_view digits = all.substr(sealed_head.size(), checksum_digits);
    size_t sealed_from = sealed_head.size() + checksum_digits + 1;
    if (all.size() < sealed_from || all[sealed_from - 1] != '"' ||
        digits != ContentHash::to_hex(ContentHash::of(all.substr(sealed_from))))
      fail(path, "damaged or truncated (its checksum does not match its contents)");
    return true;
  }
  simdjson::dom::parser validator;
  if (auto error = validator.parse(bytes.data(), bytes.size(), false).error())
    fail(path, std::string("not valid JSON (") + simdjson::error_message(error) + ")");
  return false;
}

// Each record read as a document of its own, in place (the file's padding lies beyond every
// record), by two threads when there are many: reading the records is most of a restart.
ModelRecords read_records(std::span<const std::string_view> records,
                          simdjson::padded_string_view file) {
  ModelRecords out(records.size());
  const char* end_of_file = file.data() + file.capacity();
  auto read_range = [&](size_t from, size_t to) {
    simdjson::ondemand::parser parser;
    for (size_t i = from; i < to; ++i) {
      simdjson::padded_string_view record(records[i].data(), records[i].size(),
                                          static_cast<size_t>(end_of_file - records[i].data()));
      simdjson::ondemand::document doc = parser.iterate(record);
      out[i] = read_record(doc.get_object());
    }
  };
  constexpr size_t shared_from = 4096;
  size_t half = records.size() < shared_from ? records.size() : records.size() / 2;
  std::exception_ptr other_failed;
  {
    std::jthread other;  // joined at the end of this block, whatever this thread throws
    if (half < records.size())
      other = std::jthread([&] {
        try {
          read_range(half, records.size());
        } catch (...) {
          other_failed = std::current_exception();
        }
      });
    read_range(0, half);
  }
  if (other_failed) std::rethrow_exception(other_failed);
  return out;
}

Snapshot parse(simdjson::padded_string_view bytes, std::string_view gateway, const fs::path& path) {
  bool sealed = check_whole(bytes, path);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc = parser.iterate(bytes);
  simdjson::ondemand::object root = doc.get_object();
  int64_t version = 0;
  if (std::string_view(root["format"]) != format_name || (version = root["version"]) < 2 ||
      version > format_version)
    fail(path,
         "not a gatehouse snapshot of format version 2 or 3 (version 1 came before offers; "
         "the next fetch replaces it)");
  // A version 3 file's fixed first bytes were reformatted (by a pretty-printer, say): what
  // its checksum covers is unknown, so it checks nothing.
  if (version == 3 && !sealed)
    fail(path, "a version 3 snapshot whose first bytes are not as written (reformatted?)");
  if (std::string_view(root["gateway"]) != gateway) fail(path, "belongs to another gateway");
  Snapshot snapshot;
  snapshot.fetched_at_ms = root["fetched_at_ms"];
  int64_t count = root["count"];
  std::vector<std::string_view> records;  // found by the structural index alone
  for (simdjson::ondemand::object entry : root["models"].get_array())
    records.push_back(trimmed(entry.raw_json()));
  snapshot.models = read_records(records, bytes);
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
    write_all(fd, render_snapshot(gateway, catalog), temp);
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

namespace {

Snapshot parse_padded(simdjson::padded_string_view bytes, std::string_view gateway,
                      const fs::path& path) {
  try {
    return parse(bytes, gateway, path);
  } catch (const simdjson::simdjson_error& e) {
    fail(path, std::string("malformed: ") + e.what());
  } catch (const std::invalid_argument& e) {
    fail(path, std::string("malformed: ") + e.what());
  } catch (const std::system_error& e) {  // the second reading thread could not start
    fail(path, std::string("cannot read: ") + e.what());
  } catch (const std::bad_alloc&) {
    fail(path, "cannot read: out of memory");
  }
}

}  // namespace

Snapshot parse_snapshot(std::string_view bytes, std::string_view gateway, const fs::path& path) {
  simdjson::padded_string padded(bytes);
  return parse_padded(padded, gateway, path);
}

std::optional<Snapshot> read_snapshot(const fs::path& dir, std::string_view gateway) {
  fs::path path = snapshot_path(dir, gateway);
  std::error_code ec;
  if (!fs::exists(path, ec) && !fs::is_symlink(path, ec)) return std::nullopt;
  std::string bytes;
  try {
    bytes = read_regular_file(path, max_snapshot_bytes, simdjson::SIMDJSON_PADDING);
  } catch (const FileError& e) {
    fail(path, std::string("cannot read: ") + e.what());
  }
  // Parsed where it was read: a 100 MB snapshot is not copied for simdjson's padding.
  return parse_padded(simdjson::padded_string_view(bytes.data(), bytes.size(), bytes.capacity()),
                      gateway, path);
}

void remove_snapshot(const fs::path& dir, std::string_view gateway) {
  fs::path path = snapshot_path(dir, gateway);
  std::error_code ec;
  if (!fs::remove(path, ec) && ec) fail(path, "cannot remove: " + ec.message());
}

}  // namespace gatehouse
