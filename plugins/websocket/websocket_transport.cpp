#include "websocket_transport.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

#include <chrono>

#include "http_routes.h"
#include "io_loop_pool.h"
#include "route_context.h"
#include "websocket_connection.h"
#include "spread/transport/session.h"

namespace spread::plugins::websocket {

namespace {

constexpr int kListenBacklog = 1024;
// Seconds a request may take to arrive once started; a slow client holds a pool thread
// at most this long.
constexpr int kHttpRequestSeconds = 10;
// Seconds a kept-alive connection may wait for its next request. Poco parks a pool thread
// on every such connection, and browsers keep idle ones open, so this stays short: the
// pool is small and fixed, and must not fill with idle browsers.
constexpr int kHttpKeepAliveSeconds = 2;
// After the sockets are closed, how long stop() waits for this transport's executor tasks
// (each one short) to finish, so none outlives the sessions' context.
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
  config_ = std::get<WebSocketConfig>(parsed);
  logger_ = &context.logger;

  sessions_ = std::make_unique<transport::SessionContext>(transport::SessionContext{
      context.broker, context.clock, context.executor, context.metrics, context.publisher, context.session});
  connectionEnvironment_ = std::make_unique<ConnectionEnvironment>(ConnectionEnvironment{
      context.clock, context.metrics, connectionsOpen_,
      ConnectionOptions{context.session.messageBytesMax, context.session.sendWindowBytes, config_.closeTimeout}});
  const std::string where = config_.host + ":" + std::to_string(config_.port);
  try {
    loops_ = std::make_unique<IoLoopPool>(config_.ioThreads, context.clock);
    routes_ = std::make_unique<RouteContext>(RouteContext{context, *sessions_, config_, *connectionEnvironment_,
                                                          *loops_, tasks_, draining_});
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR for quick restarts, but never SO_REUSEPORT: a second server on the
    // same port must fail to start rather than silently share the traffic.
    socket.bind(Poco::Net::SocketAddress(config_.host, config_.port), true, false);
    socket.listen(kListenBacklog);

    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(static_cast<int>(config_.httpThreads));
    params->setMaxQueued(static_cast<int>(config_.httpQueueMax));
    params->setKeepAlive(true);
    params->setTimeout(Poco::Timespan(kHttpRequestSeconds, 0));
    params->setKeepAliveTimeout(Poco::Timespan(kHttpKeepAliveSeconds, 0));
    params->setServerName("spread");
    const int threads = static_cast<int>(config_.httpThreads);
    httpPool_ = std::make_unique<Poco::ThreadPool>("spread-http", threads, threads);
    http_ = std::make_unique<Poco::Net::HTTPServer>(new RouteFactory(*routes_), *httpPool_, socket, params);
    listener_ = std::make_unique<Poco::Net::ServerSocket>(socket);
    loops_->start();
    http_->start();
    endpoint_ = endpointFor(socket.address());
  } catch (const Poco::Exception& error) {
    http_.reset();
    listener_.reset();
    httpPool_.reset();
    loops_.reset();
    return transport::StartResult::failure(std::string(kConfigPrefix) + "host/port: cannot listen on " + where +
                                           ": " + error.displayText());
  } catch (const std::exception& error) {
    http_.reset();
    listener_.reset();
    httpPool_.reset();
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
  bool completed = true;
  try {
    // HTTP keeps answering (503, as draining_ is set) while the WebSockets say goodbye.
    completed = connectionsOpen_.waitForZero(until);
    if (!completed) loops_->closeAll();
    // Then stop accepting, abort HTTP connections (keep-alive ones would hold a pool
    // thread), and close the listener so new connections are refused, not left waiting.
    http_->stopAll(true);
    listener_->close();
    httpPool_->joinAll();
    loops_->stop();
  } catch (const std::exception& error) {
    logger_->error(std::string("websocket transport stop: ") + error.what());
    loops_->stop();
  }
  // Every socket is closed; what is left are the sessions' last events on the executor.
  tasks_.waitForZero(std::chrono::steady_clock::now() + kTaskDrainMax);
  http_.reset();
  listener_.reset();
  httpPool_.reset();
  running_ = false;
  logger_->information(completed ? "websocket transport stopped"
                                 : "websocket transport stopped; sockets still open at the deadline were closed");
  done(completed ? transport::StopOutcome::kCompleted : transport::StopOutcome::kDeadlineExceeded);
}

std::size_t WebSocketTransport::loopSockets() const {
  return loops_ ? loops_->connections() : 0;
}

transport::TransportStats WebSocketTransport::stats() const {
  const auto open = static_cast<std::uint64_t>(connectionsOpen_.count());
  return transport::TransportStats{open, open};
}

}  // namespace spread::plugins::websocket
