#include "support/blocking_pool.hpp"

namespace gatehouse {

BlockingPool::BlockingPool(size_t threads) { ensure(std::max<size_t>(1, threads)); }

void BlockingPool::ensure(size_t threads) {
  std::lock_guard lock(mutex_);
  while (!stopping_ && threads_.size() < threads) threads_.emplace_back([this] { work(); });
}

BlockingPool::~BlockingPool() { stop(); }

void BlockingPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;  // from here on threads_ no longer changes
  }
  ready_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void BlockingPool::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;  // shutting down: nothing new starts
    jobs_.push_back(std::move(job));
  }
  ready_.notify_one();
}

void BlockingPool::work() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace gatehouse
