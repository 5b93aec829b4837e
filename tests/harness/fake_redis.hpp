// A "Redis" on 127.0.0.1 that answers whatever a test scripts: one reply (any bytes, RESP
// or not) to every read of a client's, the replies a real Redis can never give.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace gatehouse::test {

class FakeRedis {
 public:
  // `answer(connection)` is written back for each read (empty: nothing is written);
  // `connection` counts from 0 in the order clients connected.
  explicit FakeRedis(std::function<std::string(int connection)> answer)
      : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size);
    ::listen(listener_, 64);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeRedis() {
    stop_ = true;
    thread_.join();
    for (int fd : clients_)
      if (fd >= 0) ::close(fd);
    ::close(listener_);
  }
  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  int connections() const { return connections_.load(); }

 private:
  void serve() {
    while (!stop_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (int fd : clients_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        clients_.push_back(::accept(listener_, nullptr, nullptr));
        ids_.push_back(connections_++);
      }
      for (size_t i = 1; i < fds.size(); ++i)
        if (fds[i].revents & (POLLIN | POLLHUP)) answer(i - 1);
    }
  }
  void answer(size_t client) {
    char buffer[4096];
    ssize_t n = ::recv(clients_[client], buffer, sizeof buffer, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      ::close(clients_[client]);
      clients_[client] = -1;  // poll() skips it
    }
    if (n <= 0) return;
    std::string reply = answer_(ids_[client]);
    ::send(clients_[client], reply.data(), reply.size(), MSG_NOSIGNAL);
  }

  std::function<std::string(int)> answer_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::vector<int> clients_, ids_;
  std::thread thread_;
};

}  // namespace gatehouse::test
