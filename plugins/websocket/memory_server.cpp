#include "memory_server.h"

#include <stdexcept>

namespace spread::plugins::websocket {

MemoryServer::MemoryServer(transport::TransportContext& context, MemoryNetwork& network) : network_(network) {
  auto parsed = parseConfig(context.config);
  if (auto* error = std::get_if<std::string>(&parsed)) throw std::invalid_argument(*error);
  auto config = std::get<WebSocketConfig>(std::move(parsed));
  loops_ = std::make_unique<VirtualLoopPool>(config.ioThreads, network, context.clock, context.executor);
  stack_ = std::make_unique<ServingStack>(context, std::move(config), *loops_);
  intake_ = std::make_unique<ClientIntake>(stack_->context());
  network_.listen([this](int handle, const std::string& peerAddress) {
    const std::optional<ClientAddress> peer = ClientAddress::parse(peerAddress);
    if (!peer) {
      network_.close(handle);  // a test's mistake: no client comes from there
      return;
    }
    intake_->admit(network_, handle, *peer);
  });
}

MemoryServer::~MemoryServer() {
  network_.listen(nullptr);
  loops_->stop();
}

}  // namespace spread::plugins::websocket
