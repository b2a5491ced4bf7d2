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
      clients_(config_.clients, context.clock, context.metrics),
      http_(httpOptionsFrom(config_)),
      context_{context,
               config_,
               ConnectionOptions{context.session.messageBytesMax, context.session.sendWindowBytes,
                                 config_.closeTimeout},
               loops,
               clients_,
               connectionsOpen_,
               liveConnections_,
               tasks_} {}

}  // namespace spread::plugins::websocket
