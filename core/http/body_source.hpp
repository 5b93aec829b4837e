// A response body written from bytes that outlive the request (a catalog's records, its
// ready deflate), handed out as views a piece at a time: the server writes each piece as the
// socket drains, so a connection holds no copy of a big answer however slowly its client
// reads, and the bytes are shared by every connection that sends them.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

class BodySource {
 public:
  virtual ~BodySource() = default;
  // Every byte it will give, for Content-Length.
  virtual size_t size() const = 0;
  // Appends views of the next bytes to `out`, about `budget` of them (at least one view
  // while any byte is left); appends nothing once all are given. Each view stays valid
  // while this source lives.
  virtual void next(size_t budget, std::vector<std::string_view>& out) = 0;
  // What to ask next() for at once. The writer sends a piece's views as they are, holding
  // only the views while the client reads: a source of many small views (each model's JSON
  // and a comma) gives pieces of fewer bytes, so that list of views stays small.
  virtual size_t step_bytes() const { return 256 << 10; }
};

// `head`, then the concatenation of `views` (kept valid by `keep`, whatever owns their
// bytes), then `end`.
std::unique_ptr<BodySource> views_body(std::string head, std::vector<std::string_view> views,
                                       std::shared_ptr<const void> keep, std::string end);

// Every byte of a source, in one string: for callers that want the text (tests, fuzzers).
std::string read_all(BodySource& source);

}  // namespace gatehouse
