// Runs the real gatehouse binary from tests: once to completion, or as a server to stop.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <string>
#include <vector>

namespace gatehouse::test {

struct Finished {
  int exit_code = -1;  // -1 when killed by a signal or timed out
  std::string out;
  std::string err;
};

// Runs argv[0] with argv, waits at most `timeout`, and kills it past that.
Finished run(const std::vector<std::string>& argv,
             std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A child whose stderr the test reads while it runs.
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv);
  ~Process();  // kills the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Reads stderr until it contains `text` or the timeout passes; true if it appeared.
  bool wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout);
  void signal(int signal);  // and lets it run on
  // Sends `signal` and waits for the exit; returns the exit code, -1 for death by signal.
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  const std::string& err() const { return err_; }
  pid_t pid() const { return pid_; }

 private:
  bool read_some(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string err_;
};

}  // namespace gatehouse::test
