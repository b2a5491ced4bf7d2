#include "serving_stack.h"

namespace spread::plugins::websocket {

namespace {

HttpConnection::Options httpOptionsFrom(const WebSocketConfig& config) {
  HttpConnection::Options http;
  http.limits.headerBytesMax = config.headerBytesMax;
  http.limits.bodyBytesMax = config.bodyBytesMax;
  http.idleTimeout = config.httpIdleTimeout;
  http.headerTimeout = config.headerTimeout;
  http.bodyTimeout = config.bodyTimeout;
  http.closeTimeout = config.closeTimeout;
  return http;
}

}  // namespace

ServingStack::ServingStack(transport::TransportContext& context, WebSocketConfig config, LoopPool& loops)
    : config_(std::move(config)),
      sessions_{context.broker, context.clock, context.executor, context.metrics, context.publisher, context.session},
      clients_(config_.clients, context.clock, context.metrics),
      environment_{context.clock,
                   context.metrics,
                   connectionsOpen_,
                   liveConnections_,
                   ConnectionOptions{context.session.messageBytesMax, context.session.sendWindowBytes,
                                     config_.closeTimeout},
                   &clients_},
      http_(httpOptionsFrom(config_)),
      routes_{context, sessions_, config_, environment_, loops, clients_, tasks_, draining_} {}

}  // namespace spread::plugins::websocket
