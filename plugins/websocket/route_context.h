#pragma once

#include <atomic>

#include "admission/client_limits.h"
#include "in_flight_counter.h"
#include "io/loop.h"
#include "websocket_config.h"
#include "websocket_connection.h"
#include "spread/transport/session.h"
#include "spread/transport/transport.h"

namespace spread::plugins::websocket {

/// What every connection of the transport works with, owned by the transport and outliving
/// every connection.
struct RouteContext {
  transport::TransportContext& transport;
  transport::SessionContext& sessions;
  const WebSocketConfig& config;
  ConnectionEnvironment& connections;
  // Own every client socket. Sharing the loops paces publishers by the writes their
  // messages cause, so flat-out publishing cannot outrun the fan-out and overflow every
  // subscriber's queue.
  LoopPool& loops;
  ClientLimits& clients;
  InFlightCounter& tasks;  // strand tasks still to run on the executor
  const std::atomic<bool>& draining;

  bool isDraining() const { return draining.load() || transport.publisher.draining(); }
};

}  // namespace spread::plugins::websocket
