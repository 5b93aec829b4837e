// A throwaway self-signed certificate for 127.0.0.1, made at test time (never committed).
#pragma once

#include <string>

namespace gatehouse::test {

struct TlsIdentity {
  std::string certificate_pem;  // also its own CA
  std::string private_key_pem;
};

TlsIdentity make_self_signed_identity(const std::string& ip = "127.0.0.1");

}  // namespace gatehouse::test
