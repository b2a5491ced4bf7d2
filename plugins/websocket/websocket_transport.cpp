#include "websocket_transport.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>

#include "client_limits.h"
#include "io_loop_pool.h"
#include "listener.h"
#include "route_context.h"
#include "websocket_connection.h"
#include "spread/transport/session.h"

namespace spread::plugins::websocket {

namespace {

constexpr int kListenBacklog = 1024;
// After the sockets are closed, how long stop() waits for this transport's executor tasks
// (each one short) to finish, and then for the last connection objects they held to go,
// so none outlives the sessions' context.
constexpr std::chrono::seconds kTaskDrainMax{1};

std::string endpointFor(const Poco::Net::SocketAddress& address) {
  std::string host = address.host().toString();
  if (address.family() == Poco::Net::SocketAddress::IPv6) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(address.port()) + "/";
}

}  // namespace

WebSocketTransport::WebSocketTransport() = default;

WebSocketTransport::~WebSocketTransport() {
  if (running_) stop(core::Duration::zero(), [](transport::StopOutcome) {});
}

std::optional<std::string> WebSocketTransport::checkConfig(const Poco::Util::AbstractConfiguration& config,
                                                           const transport::SessionOptions& /*session*/) const {
  auto parsed = parseConfig(config);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  return std::nullopt;
}

transport::StartResult WebSocketTransport::start(transport::TransportContext& context) {
  if (running_) return transport::StartResult::failure("the websocket transport is already started");
  auto parsed = parseConfig(context.config);
  if (auto* error = std::get_if<std::string>(&parsed)) return transport::StartResult::failure(*error);
  config_ = std::get<WebSocketConfig>(std::move(parsed));
  logger_ = &context.logger;
  for (const std::string& warning : config_.warnings) logger_->warning(warning);

  sessions_ = std::make_unique<transport::SessionContext>(transport::SessionContext{
      context.broker, context.clock, context.executor, context.metrics, context.publisher, context.session});
  clients_ = std::make_unique<ClientLimits>(config_.clients, context.clock, context.metrics);
  connectionEnvironment_ = std::make_unique<ConnectionEnvironment>(ConnectionEnvironment{
      context.clock, context.metrics, connectionsOpen_, liveConnections_,
      ConnectionOptions{context.session.messageBytesMax, context.session.sendWindowBytes, config_.closeTimeout},
      clients_.get()});
  HttpConnection::Options http;
  http.limits.headerBytesMax = config_.headerBytesMax;
  http.limits.bodyBytesMax = config_.bodyBytesMax;
  http.idleTimeout = config_.httpIdleTimeout;
  http.headerTimeout = config_.headerTimeout;
  http.bodyTimeout = config_.bodyTimeout;
  http.closeTimeout = config_.closeTimeout;
  const std::string where = config_.host + ":" + std::to_string(config_.port);
  try {
    loops_ = std::make_unique<IoLoopPool>(config_.ioThreads, context.clock);
    routes_ = std::make_unique<RouteContext>(RouteContext{context, *sessions_, config_, *connectionEnvironment_,
                                                          *loops_, *clients_, tasks_, draining_});
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR for quick restarts, but never SO_REUSEPORT: a second server on the
    // same port must fail to start rather than silently share the traffic.
    socket.bind(Poco::Net::SocketAddress(config_.host, config_.port), true, false);
    socket.listen(kListenBacklog);
    socket.setBlocking(false);
    endpoint_ = endpointFor(socket.address());
    loops_->start();
    loops_->first().adopt(std::make_shared<Listener>(socket, *routes_, http));
  } catch (const Poco::Exception& error) {
    loops_.reset();
    return transport::StartResult::failure(std::string(kConfigPrefix) + "port: cannot listen on " + where +
                                           ": " + error.displayText());
  } catch (const std::exception& error) {
    loops_.reset();
    return transport::StartResult::failure("websocket transport cannot start on " + where + ": " + error.what());
  }
  running_ = true;
  logger_->information("websocket transport listening on " + endpoint_);
  return transport::StartResult::success();
}

void WebSocketTransport::stop(core::Duration deadline, transport::StopCallback done) {
  if (!running_) {
    done(transport::StopOutcome::kCompleted);
    return;
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  draining_.store(true);
  // HTTP keeps answering (503, as draining_ is set) while the WebSockets say goodbye.
  const bool completed = connectionsOpen_.waitForZero(until);
  if (!completed) loops_->closeAll();
  // Stopping the loops closes every socket they own, the listener included, so new
  // connections are refused rather than left waiting.
  loops_->stop();
  // Every socket is closed; what is left are the sessions' last events on the executor.
  tasks_.waitForZero(std::chrono::steady_clock::now() + kTaskDrainMax);
  // A pool thread may still be finishing a task that held the last reference to a session,
  // and with it a connection; both read what this transport owns.
  if (!liveConnections_.waitForZero(std::chrono::steady_clock::now() + kTaskDrainMax)) {
    logger_->warning("websocket transport: " + std::to_string(liveConnections_.count()) +
                     " connection objects are still referenced after stop; the executor is not running their tasks");
  }
  running_ = false;
  logger_->information(completed ? "websocket transport stopped"
                                 : "websocket transport stopped; sockets still open at the deadline were closed");
  done(completed ? transport::StopOutcome::kCompleted : transport::StopOutcome::kDeadlineExceeded);
}

std::size_t WebSocketTransport::clientConnections() const { return clients_ ? clients_->connections() : 0; }

transport::TransportStats WebSocketTransport::stats() const {
  const auto open = static_cast<std::uint64_t>(connectionsOpen_.count());
  return transport::TransportStats{open, open};
}

}  // namespace spread::plugins::websocket
