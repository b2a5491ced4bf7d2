#include "websocket_transport.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>

#include "admin_listener.h"
#include "io/epoll_loop_pool.h"
#include "listener.h"
#include "serving_stack.h"

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
  WebSocketConfig config = std::get<WebSocketConfig>(std::move(parsed));
  logger_ = &context.logger;
  for (const std::string& warning : config.warnings) logger_->warning(warning);

  std::string where = config.host + ":" + std::to_string(config.port);
  // Which port a bind failure is about, for the error to name its key.
  std::string portKey = "port";
  try {
    loops_ = std::make_unique<EpollLoopPool>(config.ioThreads, context.clock);
    stack_ = std::make_unique<ServingStack>(context, std::move(config), *loops_);
    Poco::Net::ServerSocket socket;
    // SO_REUSEADDR for quick restarts, but never SO_REUSEPORT: a second server on the
    // same port must fail to start rather than silently share the traffic.
    socket.bind(Poco::Net::SocketAddress(stack_->config().host, stack_->config().port), true, false);
    socket.listen(kListenBacklog);
    socket.setBlocking(false);
    endpoint_ = endpointFor(socket.address());
    if (const std::optional<std::uint16_t> adminPort = stack_->config().adminPort) {
      portKey = "adminPort";
      where = stack_->config().adminHost + ":" + std::to_string(*adminPort);
      admin_ = std::make_unique<AdminListener>(context, stack_->config().adminHost, *adminPort);
      portKey = "port";
    }
    loops_->start();
    loops_->first().adopt(std::make_shared<Listener>(socket, stack_->context(), stack_->httpOptions()));
  } catch (const Poco::Exception& error) {
    admin_.reset();
    loops_.reset();
    stack_.reset();
    return transport::StartResult::failure(std::string(kConfigPrefix) + portKey + ": cannot listen on " + where +
                                           ": " + error.displayText());
  } catch (const std::exception& error) {
    admin_.reset();
    loops_.reset();
    stack_.reset();
    return transport::StartResult::failure("websocket transport cannot start on " + where + ": " + error.what());
  }
  running_ = true;
  logger_->information("websocket transport listening on " + endpoint_);
  if (admin_) logger_->information("admin listener on " + endpointFor(admin_->address()));
  return transport::StartResult::success();
}

void WebSocketTransport::beginDrain() {
  if (stack_) stack_->beginDrain();
}

void WebSocketTransport::stop(core::Duration deadline, transport::StopCallback done) {
  if (!running_) {
    done(transport::StopOutcome::kCompleted);
    return;
  }
  const auto until = std::chrono::steady_clock::now() + deadline;
  stack_->beginDrain();
  // HTTP keeps answering (503, as the stack drains) while the WebSockets say goodbye.
  const bool completed = stack_->connectionsOpen().waitForZero(until);
  if (!completed) loops_->closeAll();
  // The admin listener served /healthz (503) and /metrics through the drain; its threads
  // read the transport context, so it goes before this transport reports itself done.
  if (admin_) {
    admin_->stop();
    admin_.reset();
  }
  // Stopping the loops closes every socket they own, the listener included, so new
  // connections are refused rather than left waiting.
  loops_->stop();
  // Every socket is closed; what is left are the sessions' last events on the executor.
  stack_->tasks().waitForZero(std::chrono::steady_clock::now() + kTaskDrainMax);
  // A pool thread may still be finishing a task that held the last reference to a session,
  // and with it a connection; both read what this transport owns.
  InFlightCounter& live = stack_->liveConnections();
  if (!live.waitForZero(std::chrono::steady_clock::now() + kTaskDrainMax)) {
    logger_->warning("websocket transport: " + std::to_string(live.count()) +
                     " connection objects are still referenced after stop; the executor is not running their tasks");
  }
  running_ = false;
  logger_->information(completed ? "websocket transport stopped"
                                 : "websocket transport stopped; sockets still open at the deadline were closed");
  done(completed ? transport::StopOutcome::kCompleted : transport::StopOutcome::kDeadlineExceeded);
}

std::size_t WebSocketTransport::clientConnections() const { return stack_ ? stack_->clients().connections() : 0; }

transport::TransportStats WebSocketTransport::stats() const {
  const auto open = stack_ ? static_cast<std::uint64_t>(stack_->connectionsOpen().count()) : 0;
  return transport::TransportStats{open, open};
}

}  // namespace spread::plugins::websocket
