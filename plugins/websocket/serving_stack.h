#pragma once

#include <memory>

#include "admission/client_limits.h"
#include "http_connection.h"
#include "in_flight_counter.h"
#include "live_config.h"
#include "io/loop.h"
#include "serving_context.h"
#include "websocket_config.h"
#include "websocket_connection.h"
#include "spread/transport/session.h"
#include "spread/transport/transport.h"

namespace spread::plugins::websocket {

/// What every client connection of the transport works with, built once from its
/// configuration whichever network serves it: the ServingContext, and the client limits
/// and the counters stop() waits on that it refers to.
/// The epoll transport (websocket_transport.h) and the in-memory server (memory_server.h)
/// build the same one, so both run one protocol stack. Outlives every connection.
class ServingStack {
 public:
  ServingStack(transport::TransportContext& context, WebSocketConfig config, LoopPool& loops);

  ServingStack(const ServingStack&) = delete;
  ServingStack& operator=(const ServingStack&) = delete;

  /// The configuration now (see LiveConfig: take it once per decision).
  const WebSocketConfig& config() const { return config_.current(); }
  ServingContext& context() { return context_; }
  ClientLimits& clients() { return clients_; }

  /// A reload: `next` serves every decision from now on (connections accepted later get its
  /// HTTP limits and timeouts). REQUIRES: `next` keeps every setting that only a restart can
  /// change (host, ports, ioThreads, closeTimeout, the admin and TLS listeners) as it was.
  void reconfigure(WebSocketConfig next);

  /// Sockets open, WebSocket ones (a closing handshake is waited for while any are).
  InFlightCounter& connectionsOpen() { return connectionsOpen_; }
  /// Strand tasks still to run on the executor.
  InFlightCounter& tasks() { return tasks_; }
  /// Connection objects, HTTP or WebSocket, not yet destroyed.
  InFlightCounter& liveConnections() { return liveConnections_; }
  /// From now on, new subscriptions and publishes are answered 503.
  /// (The server's one draining state is the publish path's: this sets it.)
  void beginDrain() { context_.transport.publisher.beginDrain(); }
  /// Reports every WebSocket's session to `observer` from now on; a harness's, never the
  /// daemon's. REQUIRES: set before the first client connects.
  void setObserver(ServingObserver* observer) { context_.observer = observer; }

 private:
  LiveConfig config_;
  InFlightCounter connectionsOpen_;
  InFlightCounter tasks_;
  InFlightCounter liveConnections_;
  ClientLimits clients_;
  ServingContext context_;
};

}  // namespace spread::plugins::websocket
