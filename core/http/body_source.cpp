#include "http/body_source.hpp"

namespace gatehouse {
namespace {

class ViewsBody final : public BodySource {
 public:
  ViewsBody(std::string head, std::vector<std::string_view> views, std::shared_ptr<const void> keep,
            std::string end)
      : head_(std::move(head)),
        end_(std::move(end)),
        views_(std::move(views)),
        keep_(std::move(keep)) {
    views_.insert(views_.begin(), head_);
    views_.push_back(end_);
    for (std::string_view v : views_) size_ += v.size();
  }

  size_t size() const override { return size_; }
  size_t step_bytes() const override { return 1 << 20; }

  void next(size_t budget, std::vector<std::string_view>& out) override {
    for (size_t given = 0; next_ < views_.size() && given < budget; ++next_) {
      std::string_view v = views_[next_];
      if (v.empty()) continue;
      // A view longer than the budget goes out in budget-sized pieces: each write is
      // bounded, so is the time one connection keeps an I/O thread.
      size_t take = std::min(v.size() - offset_, budget - given);
      out.push_back(v.substr(offset_, take));
      given += take;
      offset_ += take;
      if (offset_ < v.size()) return;
      offset_ = 0;
    }
  }

 private:
  std::string head_, end_;
  std::vector<std::string_view> views_;
  std::shared_ptr<const void> keep_;
  size_t size_ = 0;
  size_t next_ = 0;    // the view to give next
  size_t offset_ = 0;  // how much of it is given
};

}  // namespace

std::unique_ptr<BodySource> views_body(std::string head, std::vector<std::string_view> views,
                                       std::shared_ptr<const void> keep, std::string end) {
  return std::make_unique<ViewsBody>(std::move(head), std::move(views), std::move(keep),
                                     std::move(end));
}

std::string read_all(BodySource& source) {
  std::string out;
  out.reserve(source.size());
  std::vector<std::string_view> views;
  do {
    views.clear();
    source.next(1 << 20, views);
    for (std::string_view v : views) out.append(v);
  } while (!views.empty());
  return out;
}

}  // namespace gatehouse
