// SIGINT, SIGTERM and SIGHUP, taken on a thread of their own with sigwait. block_signals()
// runs first thing in main, before any thread starts: every thread inherits the mask, so
// a signal that arrives early (a SIGHUP during start-up, say) waits for the watcher
// instead of killing the process with the default action.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace gatehouse {

class SignalWatcher {
 public:
  // Blocks the three signals in the calling thread (and so in the threads it starts).
  static void block_signals();

  // Calls on_signal(signal) on the watcher's thread for each one that arrives.
  explicit SignalWatcher(std::function<void(int)> on_signal);
  ~SignalWatcher();  // ends the thread
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  std::function<void(int)> on_signal_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace gatehouse
