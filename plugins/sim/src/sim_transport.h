#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client_world.h"
#include "io/memory_network.h"
#include "memory_server.h"
#include "scripted_publish.h"
#include "scripted_websocket.h"
#include "serving_observer.h"
#include "spread/plugins/sim/sim_control.h"
#include "spread/transport/transport.h"

namespace spread::plugins::sim {

/// The simulated transport: the WebSocket transport's own protocol stack (a
/// websocket::MemoryServer: HTTP parser, routes, frame codec, queues and timeouts) on the
/// in-memory network and the run's virtual time, with the run's broker, publisher, clock
/// and executor, and the simulator's clients on the other end of the network. Every client
/// speaks bytes: scripted ones (connect, post) through ScriptedWebSocket and
/// ScriptedPublish, byte-level ones (openStream) as the harness writes them.
///
/// It watches the stack as a ServingObserver, to tell the harness what each session of a
/// scripted client did (subscribed, handed over, asked to close) and to give each its own
/// queue size.
///
/// Config keys (after the daemon strips "transport.sim."): closeTimeoutMs (default 2000),
/// how long a closed connection waits for its client to read the close frame (at least 1).
class SimTransport final : public transport::Transport, public SimControl, private websocket::ServingObserver {
 public:
  SimTransport() = default;
  ~SimTransport() override;

  // transport::Transport
  std::string_view name() const override { return "sim"; }
  std::string endpoint() const override { return {}; }
  std::optional<std::string> checkConfig(const Poco::Util::AbstractConfiguration& config,
                                         const transport::SessionOptions& session) const override;
  transport::StartResult start(transport::TransportContext& context) override;
  void beginDrain() override { server_->beginDrain(); }
  void stop(core::Duration deadline, transport::StopCallback done) override;
  transport::TransportStats stats() const override;

  // SimControl
  void setObserver(SimObserver* observer) override;
  void setSeed(std::uint64_t seed) override;
  bool injectBug(std::string_view name) override;
  ConnectionId connect(ConnectRequest request) override;
  void sendText(ConnectionId id, std::string text) override;
  std::uint64_t post(std::string topic, std::string body, core::Duration latency, std::string token = {}) override;
  void setReading(ConnectionId id, bool reading) override;
  void setReadInterval(ConnectionId id, core::Duration interval) override;
  void leave(ConnectionId id) override;
  void cut(ConnectionId id) override;
  int openStream(const LinkOptions& link) override;
  void streamSend(int stream, std::string bytes) override;
  std::string streamTake(int stream) override;
  bool streamEnded(int stream) const override;
  LinkState linkState(ConnectionId id) const override;
  void takeGrownLinks(std::vector<ConnectionId>& out) override;
  const std::type_info& controlTypeSeenByPlugin() const override { return typeid(SimControl); }

 private:
  // websocket::ServingObserver: the stack's reports, by network handle.
  transport::TransportContext& sessionContext(int handle, transport::TransportContext& shared) override;
  void onSessionStarting(int handle) override;
  void onSessionStarted(int handle) override;
  void onSent(int handle, const core::MessagePtr& message) override;
  void onTextSent(int handle, std::string_view text) override;
  void onCloseRequested(int handle, transport::CloseCode code, std::string_view reason) override;

  struct Scripted {
    std::shared_ptr<ScriptedWebSocket> client;
    std::size_t queueMessagesMax = 0;
    // The session's own context (for its queue size), made when its upgrade arrives;
    // kept until the transport goes, since the session may outlive its connection.
    std::unique_ptr<transport::TransportContext> sessionContext;
  };

  ScriptedWebSocket* find(ConnectionId id) const;
  /// The scripted connection on `handle`, or 0 for a byte-level client's or a publish's.
  ConnectionId idAt(int handle) const;
  websocket::MemoryNetwork::LinkOptions linkFor(const LinkOptions& link) const;
  /// While stopping: looks again every millisecond of virtual time until the last
  /// WebSocket has closed (the stack has no callback for it), or the deadline.
  void watchStop();
  void finishStop(transport::StopOutcome outcome);

  transport::TransportContext* context_ = nullptr;
  SimObserver* observer_ = nullptr;
  std::uint64_t seed_ = 1;
  BugSwitches bugs_;
  core::Duration closeTimeout_{};
  // Tasks hold a weak reference to this token, so a task outliving the transport is a no-op.
  std::shared_ptr<SimTransport*> self_ = std::make_shared<SimTransport*>(this);

  // Destroyed in reverse order: the server (closing its connections) first, then the
  // clients and the sessions' contexts, and the network they all used last.
  std::unique_ptr<websocket::MemoryNetwork> network_;
  std::optional<ClientWorld> world_;
  Poco::AutoPtr<Poco::Util::MapConfiguration> serverConfig_{new Poco::Util::MapConfiguration};
  std::unique_ptr<transport::TransportContext> serverContext_;
  std::vector<Scripted> scripted_;          // by id - 1 (ids are handed out in order)
  std::vector<ConnectionId> idByHandle_;    // by network handle; 0 for other clients
  std::map<std::uint64_t, std::shared_ptr<ScriptedPublish>> publishes_;
  std::unique_ptr<websocket::MemoryServer> server_;

  ConnectionId nextId_ = 1;
  std::uint64_t nextRequestId_ = 1;
  std::vector<int> writtenTo_;
  transport::StopCallback stopDone_;
  core::TimePoint stopDeadline_{};
  core::TimerId stopTimer_ = core::TimerId::kNone;
};

}  // namespace spread::plugins::sim
