// Wall-clock time as the cache and the plugins see it, injected so that tests move time
// forward instead of sleeping through a TTL or a backoff.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace gatehouse {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_unix_ms() const = 0;
};

// The real clock (std::chrono::system_clock).
class SystemClock final : public Clock {
 public:
  int64_t now_unix_ms() const override;
};

// The process-wide SystemClock, for whoever is not given another clock.
const Clock& system_clock();

// A clock that moves only when told to. Safe to read and move from any thread.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_unix_ms) : now_(start_unix_ms) {}
  int64_t now_unix_ms() const override { return now_.load(); }
  void advance(std::chrono::milliseconds by) { now_ += by.count(); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace gatehouse
