#pragma once

#include <memory>

#include "admission/client_limits.h"
#include "http_connection.h"
#include "in_flight_counter.h"
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

  const WebSocketConfig& config() const { return config_; }
  ServingContext& context() { return context_; }
  const HttpConnection::Options& httpOptions() const { return http_; }
  ClientLimits& clients() { return clients_; }

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
  const WebSocketConfig config_;
  InFlightCounter connectionsOpen_;
  InFlightCounter tasks_;
  InFlightCounter liveConnections_;
  ClientLimits clients_;
  HttpConnection::Options http_;
  ServingContext context_;
};

}  // namespace spread::plugins::websocket
