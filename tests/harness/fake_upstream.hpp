// A fake upstream on 127.0.0.1 for tests: answers each request with what the test's
// handler returns, and records every request it saw.
#pragma once

#include "harness/tls_identity.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::test {

struct SeenRequest {
  std::string method;
  std::string target;                          // as sent: origin form, or absolute through a proxy
  std::map<std::string, std::string> headers;  // names lower-cased
};

struct CannedReply {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // before answering
  // Misbehaviour, for fault tests: bytes written as they are instead of an HTTP answer
  // (with `drip`, one byte at a time that far apart), or a reset instead of any answer.
  std::optional<std::string> raw = std::nullopt;
  std::chrono::milliseconds drip{0};
  bool reset = false;
};

class FakeUpstream {
 public:
  using Handler = std::function<CannedReply(const SeenRequest&)>;
  explicit FakeUpstream(Handler handler);
  // Serves HTTPS with this certificate and key (PEM) instead of plain HTTP.
  FakeUpstream(Handler handler, const TlsIdentity& tls);
  ~FakeUpstream();

  uint16_t port() const;
  std::string url(const std::string& path = "") const;  // http:// or https://
  std::vector<SeenRequest> requests() const;
  // Plain HTTP only: answers each connection on its own thread (one slow answer does not
  // hold the others). Call before the first request.
  void answer_concurrently();

 private:
  struct Impl;  // keeps Asio out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::test
