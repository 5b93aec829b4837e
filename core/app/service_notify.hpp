// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram to the socket
// NOTIFY_SOCKET names. With Type=notify, `systemctl start` returns, and `systemctl reload`
// may send SIGHUP, only once the server said READY=1: after it listens and takes signals.
#pragma once

#include <string_view>

namespace gatehouse {

// Sends `state` ("READY=1", "STOPPING=1") when NOTIFY_SOCKET is set; false when it is not
// or the datagram could not be sent (the service manager then goes on without it).
bool notify_service_manager(std::string_view state);

}  // namespace gatehouse
