// A real redis-server (Debian's package) on 127.0.0.1 for tests: a free port, a password,
// no persistence. It can be killed like a crash and started again on the same port.
#pragma once

#include "harness/subprocess.hpp"
#include "support/redis_client.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace gatehouse::test {

// A port nothing listens on now (the kernel's pick, released at once).
inline uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), size);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

class RedisServer {
 public:
  static constexpr const char* binary = "/usr/bin/redis-server";

  explicit RedisServer(std::string password = "replica-test-secret")
      : password_(std::move(password)), port_(free_port()) {
    if (!std::filesystem::exists(binary))
      throw std::runtime_error(std::string(binary) +
                               " is missing: scripts/install-deps.sh installs redis-server");
    start();
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  const std::string& password() const { return password_; }
  RedisSettings settings() const {
    RedisSettings s;
    s.endpoint = {"127.0.0.1", port_, 0};
    s.password = password_;
    return s;
  }

  // (Again) on the same port; returns once it answers PING.
  void start() {
    process_ = std::make_unique<Process>(std::vector<std::string>{
        binary, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--requirepass", password_, "--loglevel", "warning"});
    for (int i = 0; i < 200; ++i) {
      try {
        RedisConnection(settings()).command({"PING"});
        return;
      } catch (const RedisError&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
    }
    throw std::runtime_error("redis-server did not answer on port " + std::to_string(port_));
  }
  // As a crash: SIGKILL, nothing flushed.
  void kill() {
    if (process_) process_->stop(SIGKILL);
    process_.reset();
  }

 private:
  std::string password_;
  uint16_t port_;
  std::unique_ptr<Process> process_;
};

}  // namespace gatehouse::test
