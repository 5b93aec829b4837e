#include "http/models_envelope.hpp"

#include "support/json_writer.hpp"

#include <algorithm>

namespace gatehouse {
namespace {

constexpr std::string_view data_member = "{\"data\":";

// Everything after "data", closing the envelope.
std::string rest_of_envelope(const PageShape& shape, const Freshness& freshness) {
  // A page that returned nothing (limit=0, or past the end) leads nowhere: a client that
  // follows next_offset must come to an end.
  bool has_more = shape.returned > 0 && shape.offset + shape.returned < shape.total;
  auto count = [](size_t n) { return static_cast<int64_t>(n); };
  std::string out;
  JsonWriter json(out);
  out.push_back(',');  // continues the object "data" opened
  json.key("total").integer(count(shape.total));
  json.key("returned").integer(count(shape.returned));
  json.key("offset").integer(count(shape.offset));
  std::optional<int64_t> limit, next_offset;  // null: no limit; no next page
  if (shape.limit) limit = count(*shape.limit);
  if (has_more) next_offset = count(shape.offset + shape.returned);
  json.key("limit").integer_or_null(limit);
  json.key("gateway").string(shape.gateway);
  json.key("has_more").boolean(has_more);
  json.key("next_offset").integer_or_null(next_offset);
  json.key("timestamp").integer(freshness.now_ms / 1000);
  std::optional<int64_t> fetched_at, age_s;  // null: never fetched
  if (freshness.fetched_at_ms > 0) {
    fetched_at = freshness.fetched_at_ms / 1000;
    age_s = std::max<int64_t>(0, (freshness.now_ms - freshness.fetched_at_ms) / 1000);
  }
  json.key("cache").begin_object();
  json.key("fetched_at").integer_or_null(fetched_at);
  json.key("age_s").integer_or_null(age_s);
  json.key("stale").boolean(freshness.stale);
  json.end_object();
  json.key("gateways").begin_object();
  for (const auto& [name, state] : freshness.gateways) json.key(name).string(state);
  json.end_object();
  json.end_object();
  return out;
}

// `{"data":[` then each record's JSON, comma-separated, then `]` and the rest.
class RecordsBody final : public BodySource {
 public:
  // array_bytes: the size of `[...]`, the records' JSON with its brackets and commas.
  RecordsBody(std::shared_ptr<const void> keep, std::vector<const ModelRecord*> page,
              const ModelRecords* all, size_t array_bytes, std::string rest)
      : keep_(std::move(keep)),
        page_(std::move(page)),
        all_(all),
        rest_(std::move(rest)),
        size_(head_.size() - 1 + array_bytes + rest_.size()) {}

  size_t size() const override { return size_; }

  void next(size_t budget, std::vector<std::string_view>& out) override {
    size_t given = 0, n = count();
    if (!head_given_) {
      out.push_back(head_);
      head_given_ = true;
    }
    for (; at_ < n && given < budget; ++at_) {
      if (at_ > 0) out.push_back(",");
      out.push_back(json_at(at_));
      given += out.back().size();
    }
    if (at_ == n) {
      out.push_back("]");
      out.push_back(rest_);
      ++at_;  // past n: everything given
    }
  }

 private:
  size_t count() const { return all_ ? all_->size() : page_.size(); }
  std::string_view json_at(size_t i) const { return all_ ? (*all_)[i]->json : page_[i]->json; }

  static constexpr std::string_view head_ = "{\"data\":[";
  std::shared_ptr<const void> keep_;
  std::vector<const ModelRecord*> page_;
  const ModelRecords* all_;  // the catalog's, when every model is the answer
  std::string rest_;         // of the envelope, after the array
  size_t size_ = 0;
  size_t at_ = 0;  // the record to give next
  bool head_given_ = false;
};

}  // namespace

std::unique_ptr<BodySource> page_body(std::shared_ptr<const void> keep,
                                      std::vector<const ModelRecord*> models,
                                      const PageShape& shape, const Freshness& freshness) {
  size_t array_bytes = 2 + (models.empty() ? 0 : models.size() - 1);
  for (const ModelRecord* m : models) array_bytes += m->json.size();
  return std::make_unique<RecordsBody>(std::move(keep), std::move(models), nullptr, array_bytes,
                                       rest_of_envelope(shape, freshness));
}

std::unique_ptr<BodySource> full_list_body(std::shared_ptr<const Catalog> catalog,
                                           const PageShape& shape, const Freshness& freshness) {
  // The array's size is the catalog's, known since ingest: nothing here grows with it.
  const ModelRecords* all = &catalog->models();
  size_t array_bytes = catalog->models_json_size();
  return std::make_unique<RecordsBody>(std::move(catalog), std::vector<const ModelRecord*>{}, all,
                                       array_bytes, rest_of_envelope(shape, freshness));
}

std::unique_ptr<BodySource> full_list_gzip(std::shared_ptr<const Catalog> catalog,
                                           std::shared_ptr<const DeflatedPart> models_json,
                                           const PageShape& shape, const Freshness& freshness) {
  static const DeflatedPart data_part(data_member);
  const DeflatedPart* parts[] = {&data_part, models_json.get()};
  GzipPieces gz = gzip_pieces(parts, rest_of_envelope(shape, freshness));
  struct Keep {
    std::shared_ptr<const Catalog> catalog;
    std::shared_ptr<const DeflatedPart> deflated;
  };
  auto keep = std::make_shared<const Keep>(Keep{std::move(catalog), std::move(models_json)});
  return views_body(std::move(gz.head), std::move(gz.parts), std::move(keep), std::move(gz.end));
}

}  // namespace gatehouse
