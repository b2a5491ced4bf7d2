#pragma once

#include <atomic>

#include "in_flight_counter.h"
#include "io_loop_pool.h"
#include "websocket_config.h"
#include "websocket_connection.h"
#include "spread/transport/session.h"
#include "spread/transport/transport.h"

namespace spread::plugins::websocket {

/// What the HTTP handlers work with, owned by the transport and outliving its HTTP server.
struct RouteContext {
  transport::TransportContext& transport;
  transport::SessionContext& sessions;
  const WebSocketConfig& config;
  ConnectionEnvironment& connections;
  // Own the WebSockets, and kept-alive HTTP connections after their first publish: sharing
  // the loops paces publishers by the writes their messages cause, so flat-out publishing
  // cannot outrun the fan-out and overflow every subscriber's queue.
  IoLoopPool& loops;
  InFlightCounter& tasks;  // strand tasks still to run on the executor
  const std::atomic<bool>& draining;

  bool isDraining() const { return draining.load() || transport.publisher.draining(); }
};

}  // namespace spread::plugins::websocket
