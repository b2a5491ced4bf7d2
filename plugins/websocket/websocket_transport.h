#pragma once

#include <memory>
#include <optional>
#include <string>

#include "spread/transport/transport.h"
#include "tls/tls_context.h"

namespace spread::plugins::websocket {

class AdminListener;
class EpollLoopPool;
class ServingStack;
class TlsNetwork;
struct TlsListenerConfig;

/// The WebSocket transport: the Go chatroom's HTTP API and RFC 6455 WebSockets, every client
/// socket served by a fixed number of epoll loops (ioThreads), from the accept on. The
/// first loop owns the listening socket (listener.h); each connection starts as an
/// HttpConnection (http_connection.h, the one HTTP path) and becomes a WebSocketConnection
/// when it upgrades (websocket_connection.h), feeding a transport::Session on the executor.
///
/// start/beginDrain/stop/stats come from one thread (the daemon's main thread), as
/// Transport requires. stop() blocks its caller until done: it waits up to the deadline
/// for every WebSocket to finish its closing handshake while HTTP keeps answering 503
/// (so load balancers and clients see the drain instead of a hang), closes the rest at
/// once, closes the listening socket, joins its threads and waits for its executor tasks
/// and for every connection object (a session in a task holds its connection) to be gone,
/// then calls done; after that nothing of this transport runs. With
/// transport.websocket.adminPort set, start() also opens the admin listener
/// (admin_listener.h), which serves through the drain and is stopped with the loops.
///
/// With tls.port set, a second listening socket on the first loop serves the same stack
/// over TLS (tls/tls_network.h); with tls.only, it is the only one. endpoint() then lists
/// each URL, "http://..." and "https://...", separated by a space.
///
/// reload() applies new limits, timeouts, allowed origins and trusted proxies to what comes
/// next (isReloadableKey in websocket_config.h lists them) and rereads the TLS certificate
/// and key, for connections accepted from then on.
class WebSocketTransport final : public transport::Transport {
 public:
  WebSocketTransport();
  ~WebSocketTransport() override;  // stops at once if still running

  std::string_view name() const override { return "websocket"; }
  std::string endpoint() const override { return endpoint_; }
  /// Also loads the TLS certificate and key when tls.port is set, so a missing file or a
  /// key that does not match is a configuration error naming its key.
  std::optional<std::string> checkConfig(const Poco::Util::AbstractConfiguration& config,
                                         const transport::SessionOptions& session) const override;
  transport::StartResult start(transport::TransportContext& context) override;
  void beginDrain() override;
  void stop(core::Duration deadline, transport::StopCallback done) override;
  transport::TransportStats stats() const override;
  transport::ReloadOutcome reload(const Poco::Util::AbstractConfiguration& config,
                                  const std::vector<std::string>& changed) override;
  /// Client connections open right now, HTTP and WebSocket, as the limits count them.
  std::size_t clientConnections() const;

 private:
  // Declared first, so destroyed last: the loops' connections work with it.
  std::unique_ptr<ServingStack> stack_;
  // Outlives the loops, which close its connections when they stop.
  std::unique_ptr<TlsNetwork> tls_;
  std::unique_ptr<EpollLoopPool> loops_;
  std::unique_ptr<AdminListener> admin_;  // null without transport.websocket.adminPort
  // Where relative TLS file names are taken from: the directory the daemon was started in
  // (the plugin is loaded before a --daemon detaches and changes to /).
  const std::string startDirectory_;
  std::string endpoint_;
  Poco::Logger* logger_ = nullptr;
  TlsCredentialFiles tlsFiles_;  // resolved, for reloads
  bool running_ = false;
};

}  // namespace spread::plugins::websocket
