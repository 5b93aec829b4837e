#include "app/signal_watcher.hpp"

#include <pthread.h>
#include <csignal>
#include <stdexcept>

namespace gatehouse {
namespace {

sigset_t watched() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

// Were they not blocked, each would also reach other threads, and the SIGHUP that ends
// the watcher would end the process.
std::function<void(int)> requiring_blocked_signals(std::function<void(int)> on_signal) {
  sigset_t blocked;
  pthread_sigmask(SIG_BLOCK, nullptr, &blocked);
  for (int signal : {SIGINT, SIGTERM, SIGHUP})
    if (!sigismember(&blocked, signal))
      throw std::logic_error("SignalWatcher needs SignalWatcher::block_signals() first");
  return on_signal;
}

}  // namespace

void SignalWatcher::block_signals() {
  sigset_t set = watched();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::SignalWatcher(std::function<void(int)> on_signal)
    : on_signal_(requiring_blocked_signals(std::move(on_signal))), thread_([this] {
        sigset_t set = watched();
        for (;;) {
          int signal = 0;
          if (sigwait(&set, &signal) != 0) continue;
          if (stopping_) return;
          on_signal_(signal);
        }
      }) {}

SignalWatcher::~SignalWatcher() {
  stopping_ = true;
  // Blocked everywhere, so it waits for this thread's sigwait, whatever it is doing now.
  pthread_kill(thread_.native_handle(), SIGHUP);
  thread_.join();
}

}  // namespace gatehouse
