#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "spread/core/queue_subscriber.h"
#include "spread/core/time.h"
#include "spread/transport/token_bucket.h"

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
  /// One client connection's publish rate, over HTTP keep-alive or WebSocket frames: a
  /// token bucket of `publishBurst` refilled at this many a second. 0 = no limit (the
  /// daemon's configuration sets one: session.publishesPerSecond).
  double publishesPerSecond = 0;
  double publishBurst = 1;
  std::size_t nameBytesMax = 64;  // the longest `name` a chat message may carry, in bytes

  Rate publishRate() const { return Rate{publishesPerSecond, publishBurst}; }
};

}  // namespace spread::transport
