#pragma once

#include <string>
#include <vector>

#include "server_runtime.h"
#include "spread/core/time.h"
#include "transport_set.h"

namespace Poco {
class Logger;
}

namespace spread::daemon {

struct ShutdownReport {
  /// Names of transports that had not stopped when the grace period ran out. While any
  /// remain, nothing they may use (the runtime, the transports) may be destroyed.
  std::vector<std::string> unstoppedTransports;
  bool clean() const { return unstoppedTransports.empty(); }
};

/// Shuts a running server down within `grace` of wall-clock time:
///   1. every transport and the publisher stop taking new work (beginDrain);
///   2. the broker delivers what it had accepted, then closes every subscriber with
///      "going away", which ends each session;
///   3. every transport stops, closing what is left when the grace period is nearly over;
///   4. if all transports reported done, the executor runs its last tasks and stops.
/// The broker and the transports share the grace period; a small reserve at its end lets
/// transports report completion after their forced closes. Warnings go to `logger`.
/// Runs on the main thread; returns by the end of `grace` (plus the executor's last tasks).
ShutdownReport shutDown(ServerRuntime& runtime, TransportSet& transports, core::Duration grace, Poco::Logger& logger);

}  // namespace spread::daemon
