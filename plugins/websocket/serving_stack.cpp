#include "serving_stack.h"

namespace spread::plugins::websocket {

ServingStack::ServingStack(transport::TransportContext& context, WebSocketConfig config, LoopPool& loops)
    : config_(std::move(config)),
      clients_(config_.current().clients, context.clock, context.metrics),
      context_{context,
               config_,
               ConnectionOptions{context.session.messageBytesMax, context.session.sendWindowBytes,
                                 config_.current().closeTimeout},
               loops,
               clients_,
               connectionsOpen_,
               liveConnections_,
               tasks_} {}

void ServingStack::reconfigure(WebSocketConfig next) {
  clients_.setOptions(next.clients);
  config_.replace(std::move(next));
}

}  // namespace spread::plugins::websocket
