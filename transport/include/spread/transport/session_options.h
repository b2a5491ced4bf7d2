#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "spread/core/queue_subscriber.h"
#include "spread/core/time.h"

namespace spread::transport {

/// Per-connection limits, the same for every transport (read from the daemon's config or
/// from a simulation scenario).
struct SessionOptions {
  core::QueueLimits queue{256, 1 << 20};    // messages waiting for this client in the core
  std::size_t sendWindowBytes = 256 * 1024;  // handed to the connection but not yet written
  std::size_t messageBytesMax = 64 * 1024;   // largest message a client may send
  core::Duration pingInterval = std::chrono::seconds(20);
  core::Duration idleTimeout = std::chrono::seconds(60);  // no frame from the client for this long
  core::Duration publishWaitMax = std::chrono::milliseconds(100);  // for room in a busy topic
};

}  // namespace spread::transport
