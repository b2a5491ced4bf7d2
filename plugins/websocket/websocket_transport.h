#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "in_flight_counter.h"
#include "websocket_config.h"
#include "spread/transport/transport.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
class ServerSocket;
}
}  // namespace Poco

namespace spread::transport {
struct SessionContext;
}

namespace spread::plugins::websocket {

class IoLoopPool;
struct ConnectionEnvironment;
struct RouteContext;

/// The WebSocket transport: the Go chatroom's HTTP API on a Poco HTTPServer with a fixed
/// pool (httpThreads), and upgraded subscribers on a fixed number of epoll loops
/// (ioThreads), each feeding a transport::Session on the executor. See http_routes.h for
/// the routes and websocket_connection.h for the per-socket protocol.
///
/// start/beginDrain/stop/stats come from one thread (the daemon's main thread), as
/// Transport requires. stop() blocks its caller until done: it waits up to the deadline
/// for every WebSocket to finish its closing handshake while HTTP keeps answering 503
/// (so load balancers and clients see the drain instead of a hang), closes the rest at
/// once, stops HTTP and closes the listening socket, joins its threads and waits for its
/// executor tasks, then calls done.
class WebSocketTransport final : public transport::Transport {
 public:
  WebSocketTransport();
  ~WebSocketTransport() override;  // stops at once if still running

  std::string_view name() const override { return "websocket"; }
  std::string endpoint() const override { return endpoint_; }
  std::optional<std::string> checkConfig(const Poco::Util::AbstractConfiguration& config,
                                         const transport::SessionOptions& session) const override;
  transport::StartResult start(transport::TransportContext& context) override;
  void beginDrain() override { draining_.store(true); }
  void stop(core::Duration deadline, transport::StopCallback done) override;
  transport::TransportStats stats() const override;
  /// Sockets the I/O loops own right now: WebSockets, and kept-alive HTTP connections that
  /// moved there after their first publish.
  std::size_t loopSockets() const;

 private:
  WebSocketConfig config_;
  std::atomic<bool> draining_{false};
  InFlightCounter connectionsOpen_;
  InFlightCounter tasks_;
  std::unique_ptr<transport::SessionContext> sessions_;
  std::unique_ptr<ConnectionEnvironment> connectionEnvironment_;
  std::unique_ptr<IoLoopPool> loops_;
  std::unique_ptr<RouteContext> routes_;
  std::unique_ptr<Poco::ThreadPool> httpPool_;
  std::unique_ptr<Poco::Net::HTTPServer> http_;
  std::unique_ptr<Poco::Net::ServerSocket> listener_;  // shared with http_; closed when HTTP stops
  std::string endpoint_;
  Poco::Logger* logger_ = nullptr;
  bool running_ = false;
};

}  // namespace spread::plugins::websocket
