#pragma once

#include <memory>

#include "client_intake.h"
#include "io/memory_network.h"
#include "io/virtual_loop.h"
#include "serving_stack.h"
#include "spread/transport/transport.h"

namespace spread::plugins::websocket {

/// The WebSocket transport served over the in-memory network on virtual time: the same
/// ServingStack, ClientIntake and HTTP and WebSocket connections as the epoll transport,
/// with VirtualLoops in place of epoll and no listening socket. Every byte a client sends
/// goes through the same parser, routes, codec, queues and timeouts as on a real port,
/// which is what lets a test (and the simulator) speak to it in raw HTTP and RFC 6455
/// bytes and compare its answers with a real server's. Single-threaded, on the executor's
/// thread; the context's clock and executor are usually a ManualClock and ManualExecutor.
class MemoryServer {
 public:
  /// Starts accepting `network`'s connections. Throws std::invalid_argument with the
  /// offending key if the context's configuration is refused, as start() reports it.
  MemoryServer(transport::TransportContext& context, MemoryNetwork& network);
  ~MemoryServer();  // closes every connection

  MemoryServer(const MemoryServer&) = delete;
  MemoryServer& operator=(const MemoryServer&) = delete;

  ServingStack& stack() { return *stack_; }
  /// New subscriptions and publishes are answered 503 from now on.
  void beginDrain() { stack_->beginDrain(); }
  /// Closes every connection now, without a goodbye.
  void closeAll() { loops_->closeAll(); }
  /// Connections the loops own right now.
  std::size_t connections() const { return loops_->connections(); }

 private:
  MemoryNetwork& network_;
  // Declared first, so destroyed last: the loops' connections work with it.
  std::unique_ptr<ServingStack> stack_;
  std::unique_ptr<VirtualLoopPool> loops_;
  std::unique_ptr<ClientIntake> intake_;
};

}  // namespace spread::plugins::websocket
