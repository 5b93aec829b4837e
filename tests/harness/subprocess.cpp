#include "harness/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <stdexcept>

extern char** environ;

namespace gatehouse::test {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    read = fds[0];
    write = fds[1];
  }
};

pid_t spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot spawn " + argv[0]);
  return pid;
}

// Reads what is ready on fd into `into`; false at end of file.
bool drain(int fd, std::string& into) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n > 0) into.append(buf, static_cast<size_t>(n));
  return n > 0;
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

Finished run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  Pipe out, err;
  pid_t pid = spawn(argv, out.write, err.write);
  close(out.write);
  close(err.write);
  Finished result;
  auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}};
  int open_fds = 2;
  while (open_fds > 0 && Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (poll(fds, 2, static_cast<int>(left.count()) + 1) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
      if (!drain(fds[i].fd, i == 0 ? result.out : result.err)) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  if (open_fds > 0) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out.read);
  close(err.read);
  result.exit_code = open_fds > 0 ? -1 : exit_code_of(status);
  return result;
}

Process::Process(const std::vector<std::string>& argv) {
  Pipe err;
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  pid_ = spawn(argv, devnull, err.write);
  close(devnull);
  close(err.write);
  err_fd_ = err.read;
}

Process::~Process() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (err_fd_ >= 0) close(err_fd_);
}

bool Process::read_some(std::chrono::milliseconds timeout) {
  pollfd fd{err_fd_, POLLIN, 0};
  if (poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) return false;
  return drain(err_fd_, err_);
}

bool Process::wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (err_.find(text) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || !read_some(left)) return err_.find(text) != std::string::npos;
  }
  return true;
}

void Process::signal(int signal) { kill(pid_, signal); }

int Process::stop(int signal, std::chrono::milliseconds timeout) {
  kill(pid_, signal);
  auto deadline = Clock::now() + timeout;
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) return -1;  // the destructor kills it
    read_some(std::chrono::milliseconds(20));
  }
  while (read_some(std::chrono::milliseconds(0))) {
  }
  pid_ = -1;
  return exit_code_of(status);
}

}  // namespace gatehouse::test
