#include "websocket_transport.h"

#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Path.h>

#include <chrono>
#include <vector>

#include "admin_listener.h"
#include "io/epoll_loop_pool.h"
#include "io/socket_network.h"
#include "listener.h"
#include "serving_stack.h"
#include "tls/tls_network.h"

namespace spread::plugins::websocket {

namespace {

constexpr int kListenBacklog = 1024;
// After the sockets are closed, how long stop() waits for this transport's executor tasks
// (each one short) to finish, and then for the last connection objects they held to go,
// so none outlives the sessions' context.
constexpr std::chrono::seconds kTaskDrainMax{1};

std::string endpointFor(const char* scheme, const Poco::Net::SocketAddress& address) {
  std::string host = address.host().toString();
  if (address.family() == Poco::Net::SocketAddress::IPv6) host = "[" + host + "]";
  return std::string(scheme) + "://" + host + ":" + std::to_string(address.port()) + "/";
}

Poco::Net::ServerSocket listenOn(const std::string& host, std::uint16_t port) {
  Poco::Net::ServerSocket socket;
  // SO_REUSEADDR for quick restarts, but never SO_REUSEPORT: a second server on the
  // same port must fail to start rather than silently share the traffic.
  socket.bind(Poco::Net::SocketAddress(host, port), true, false);
  socket.listen(kListenBacklog);
  socket.setBlocking(false);
  return socket;
}

TlsCredentialFiles credentialFiles(const TlsListenerConfig& tls, const std::string& startDirectory) {
  auto resolved = [&](const std::string& path) {
    return path.empty() ? path : Poco::Path(path).makeAbsolute(Poco::Path(startDirectory)).toString();
  };
  TlsCredentialFiles files;
  files.certificateFile = resolved(tls.certificateFile);
  files.privateKeyFile = resolved(tls.privateKeyFile);
  return files;
}

}  // namespace

WebSocketTransport::WebSocketTransport() : startDirectory_(Poco::Path::current()) {}

WebSocketTransport::~WebSocketTransport() {
  if (running_) stop(core::Duration::zero(), [](transport::StopOutcome) {});
}

std::optional<std::string> WebSocketTransport::checkConfig(const Poco::Util::AbstractConfiguration& config,
                                                           const transport::SessionOptions& /*session*/) const {
  auto parsed = parseConfig(config);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  const TlsListenerConfig& tls = std::get<WebSocketConfig>(parsed).tls;
  if (!tls.port) return std::nullopt;
  auto loaded = loadTlsContext(credentialFiles(tls, startDirectory_));
  if (auto* error = std::get_if<std::string>(&loaded)) return *error;
  return std::nullopt;
}

transport::StartResult WebSocketTransport::start(transport::TransportContext& context) {
  if (running_) return transport::StartResult::failure("the websocket transport is already started");
  auto parsed = parseConfig(context.config);
  if (auto* error = std::get_if<std::string>(&parsed)) return transport::StartResult::failure(*error);
  WebSocketConfig config = std::get<WebSocketConfig>(std::move(parsed));
  logger_ = &context.logger;
  for (const std::string& warning : config.warnings) logger_->warning(warning);

  std::optional<TlsContextPtr> tlsContext;
  if (config.tls.port) {
    tlsFiles_ = credentialFiles(config.tls, startDirectory_);
    auto loaded = loadTlsContext(tlsFiles_);
    if (auto* error = std::get_if<std::string>(&loaded)) return transport::StartResult::failure(*error);
    tlsContext = std::get<TlsContextPtr>(std::move(loaded));
  }

  const bool plain = !config.tls.only;
  // Which port a bind failure is about, and where, for the error to name its key.
  std::string portKey = "port";
  std::string where = config.host + ":" + std::to_string(config.port);
  std::vector<std::string> endpoints;
  try {
    loops_ = std::make_unique<EpollLoopPool>(config.ioThreads, context.clock);
    stack_ = std::make_unique<ServingStack>(context, std::move(config), *loops_);
    const WebSocketConfig& settings = stack_->config();
    std::optional<Poco::Net::ServerSocket> plainSocket;
    std::optional<Poco::Net::ServerSocket> tlsSocket;
    if (plain) {
      plainSocket = listenOn(settings.host, settings.port);
      endpoints.push_back(endpointFor("http", plainSocket->address()));
    }
    if (tlsContext) {
      portKey = "tls.port";
      where = settings.host + ":" + std::to_string(*settings.tls.port);
      tlsSocket = listenOn(settings.host, *settings.tls.port);
      endpoints.push_back(endpointFor("https", tlsSocket->address()));
      tls_ = std::make_unique<TlsNetwork>(std::move(*tlsContext), logger_);
    }
    if (const std::optional<std::uint16_t> adminPort = settings.adminPort) {
      portKey = "adminPort";
      where = settings.adminHost + ":" + std::to_string(*adminPort);
      admin_ = std::make_unique<AdminListener>(context, settings.adminHost, *adminPort);
    }
    loops_->start();
    if (plainSocket) {
      loops_->first().adopt(std::make_shared<Listener>(*plainSocket, stack_->context(),
                                                       SocketNetwork::instance()));
    }
    if (tlsSocket) {
      loops_->first().adopt(std::make_shared<Listener>(*tlsSocket, stack_->context(), *tls_));
    }
    for (const std::string& endpoint : endpoints) endpoint_ += (endpoint_.empty() ? "" : " ") + endpoint;
  } catch (const Poco::Exception& error) {
    admin_.reset();
    loops_.reset();
    tls_.reset();
    stack_.reset();
    endpoint_.clear();
    return transport::StartResult::failure(std::string(kConfigPrefix) + portKey + ": cannot listen on " + where +
                                           ": " + error.displayText());
  } catch (const std::exception& error) {
    admin_.reset();
    loops_.reset();
    tls_.reset();
    stack_.reset();
    endpoint_.clear();
    return transport::StartResult::failure("websocket transport cannot start on " + where + ": " + error.what());
  }
  running_ = true;
  for (const std::string& endpoint : endpoints) logger_->information("websocket transport listening on " + endpoint);
  if (admin_) logger_->information("admin listener on " + endpointFor("http", admin_->address()));
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

transport::ReloadOutcome WebSocketTransport::reload(const Poco::Util::AbstractConfiguration& config,
                                                    const std::vector<std::string>& changed) {
  transport::ReloadOutcome outcome;
  if (!running_) return transport::ReloadOutcome{{}, changed, std::nullopt};
  auto parsed = parseConfig(config);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    // The daemon reloads only keys checkConfig accepted; this is a bug, not the operator's.
    return transport::ReloadOutcome{{}, changed, "the new keys cannot be read: " + *error};
  }
  WebSocketConfig next = keepingRestartSettings(std::get<WebSocketConfig>(std::move(parsed)), stack_->config());
  for (const std::string& key : changed) (isReloadableKey(key) ? outcome.applied : outcome.needsRestart).push_back(key);

  if (tls_) {
    TlsCredentialFiles files = credentialFiles(next.tls, startDirectory_);
    auto loaded = loadTlsContext(files);
    if (auto* error = std::get_if<std::string>(&loaded)) {
      // The files that failed are not what the transport serves with: it keeps the old ones.
      std::erase_if(outcome.applied, [](const std::string& key) { return key.starts_with("tls."); });
      next.tls = stack_->config().tls;
      outcome.error = "TLS credentials not reloaded; still serving the previous ones: " + *error;
      logger_->error("websocket transport: " + *outcome.error);
    } else {
      tls_->replaceContext(std::get<TlsContextPtr>(std::move(loaded)));
      tlsFiles_ = std::move(files);
      logger_->information("websocket transport: TLS credentials reloaded from " + tlsFiles_.certificateFile +
                           " and " + tlsFiles_.privateKeyFile + "; open connections keep theirs");
    }
  }
  stack_->reconfigure(std::move(next));
  return outcome;
}

std::size_t WebSocketTransport::clientConnections() const { return stack_ ? stack_->clients().connections() : 0; }

transport::TransportStats WebSocketTransport::stats() const {
  const auto open = stack_ ? static_cast<std::uint64_t>(stack_->connectionsOpen().count()) : 0;
  return transport::TransportStats{open, open};
}

}  // namespace spread::plugins::websocket
