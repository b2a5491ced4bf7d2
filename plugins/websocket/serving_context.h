#pragma once

#include <chrono>
#include <cstddef>

#include "admission/client_limits.h"
#include "in_flight_counter.h"
#include "io/loop.h"
#include "live_config.h"
#include "serving_observer.h"
#include "websocket_config.h"
#include "spread/core/time.h"
#include "spread/transport/transport.h"

namespace spread::plugins::websocket {

/// How far one WebSocket connection may go, from the session options and the configuration.
struct ConnectionOptions {
  std::size_t messageBytesMax = 64 * 1024;
  std::size_t sendWindowBytes = 256 * 1024;
  core::Duration closeTimeout = std::chrono::seconds(2);
};

/// What every client connection of the transport works with, HTTP or WebSocket, from its
/// accept to its close: built once by ServingStack, and outliving every connection.
struct ServingContext {
  // What the transport was started with: broker, clock, executor, metrics, publisher and
  // session options (a connection's Session is built on it too).
  transport::TransportContext& transport;
  const LiveConfig& liveConfig;
  ConnectionOptions connection;
  // Own every client socket. Sharing the loops paces publishers by the writes their
  // messages cause, so flat-out publishing cannot outrun the fan-out and overflow every
  // subscriber's queue.
  LoopPool& loops;
  ClientLimits& clients;
  InFlightCounter& openConnections;  // a WebSocket counts until its socket is closed
  // Every connection object, HTTP or WebSocket, counts here until it is destroyed: a
  // session in an executor task can outlive its socket, and the transport must outlive it.
  InFlightCounter& liveConnections;
  InFlightCounter& tasks;  // strand tasks still to run on the executor
  // Null but under a harness (the simulator): see ServingObserver.
  ServingObserver* observer = nullptr;

  /// The server is shutting down: new subscriptions and publishes are answered 503. One
  /// state for the whole server, kept by the publish path every transport shares.
  bool isDraining() const { return transport.publisher.draining(); }

  /// The configuration now: a reload may replace it between two calls, so take it once
  /// per decision.
  const WebSocketConfig& config() const { return liveConfig.current(); }
};

}  // namespace spread::plugins::websocket
