#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "io/memory_network.h"
#include "memory_server.h"
#include "sim_connection.h"
#include "spread/plugins/sim/sim_control.h"
#include "spread/transport/session.h"
#include "spread/transport/transport.h"

namespace spread::plugins::sim {

/// The simulated transport: in-memory connections driving the same transport::Session
/// the WebSocket plugin drives, on the executor and clock of its TransportContext. It
/// serves nothing on a network; SimControl is how the simulator plays the clients.
///
/// Byte-level clients (openStream) reach the WebSocket transport's own protocol stack, a
/// websocket::MemoryServer on the in-memory network, sharing this transport's broker,
/// publisher, clock and executor: there every byte goes through the real HTTP parser,
/// routes, frame codec, queues and timeouts. The scripted connections still run on
/// SimConnection, the simplified copy of the WebSocket connection this stack will replace.
///
/// Config keys (after the daemon strips "transport.sim."): closeTimeoutMs (default 2000),
/// how long a closed connection waits for its client to read the close frame.
class SimTransport final : public transport::Transport, public SimControl {
 public:
  SimTransport() = default;
  ~SimTransport() override;

  // transport::Transport
  std::string_view name() const override { return "sim"; }
  std::string endpoint() const override { return {}; }
  std::optional<std::string> checkConfig(const Poco::Util::AbstractConfiguration& config,
                                         const transport::SessionOptions& session) const override;
  transport::StartResult start(transport::TransportContext& context) override;
  void beginDrain() override {
    draining_ = true;
    if (streamServer_) streamServer_->beginDrain();
  }
  void stop(core::Duration deadline, transport::StopCallback done) override;
  transport::TransportStats stats() const override;

  // SimControl
  void setObserver(SimObserver* observer) override;
  void setSeed(std::uint64_t seed) override;
  bool injectBug(std::string_view name) override;
  ConnectionId connect(ConnectRequest request) override;
  void sendText(ConnectionId id, std::string text) override;
  std::uint64_t post(std::string topic, std::string body, core::Duration latency) override;
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
  // Destroyed in reverse order: the session before the connection before the context the
  // session refers to.
  struct Entry {
    std::unique_ptr<transport::TransportContext> context;
    std::shared_ptr<SimConnection> connection;
    std::shared_ptr<transport::Session> session;
    std::size_t queueMessagesMax = 0;
    std::string topic;
  };

  void open(ConnectionId id);
  void serverDone(ConnectionId id);
  void forceStop();
  void finishStop(transport::StopOutcome outcome);
  /// WebSocket connections of the byte-level clients still open.
  std::size_t streamsOpen() const;
  /// While stopping with streams open: looks again every millisecond of virtual time
  /// until the last one has closed (the stack has no callback for it).
  void watchStreamsClose();
  SimConnection* find(ConnectionId id) const;

  transport::TransportContext* context_ = nullptr;
  std::optional<SimNetwork> network_;
  SimObserver* observer_ = nullptr;
  std::uint64_t seed_ = 1;
  BugSwitches bugs_;
  // Tasks hold a weak reference to this token, so a task outliving the transport is a no-op.
  std::shared_ptr<SimTransport*> self_ = std::make_shared<SimTransport*>(this);

  std::map<ConnectionId, Entry> entries_;  // ordered, so a forced stop closes in id order

  // The byte-level clients' server: the WebSocket transport's stack, made at start.
  Poco::AutoPtr<Poco::Util::MapConfiguration> streamConfig_{new Poco::Util::MapConfiguration};
  std::unique_ptr<transport::TransportContext> streamContext_;
  std::unique_ptr<websocket::MemoryNetwork> streamNetwork_;
  std::unique_ptr<websocket::MemoryServer> streamServer_;
  core::TimerId streamsTimer_ = core::TimerId::kNone;
  ConnectionId nextId_ = 1;
  std::uint64_t nextRequestId_ = 1;
  std::size_t serverOpen_ = 0;
  bool draining_ = false;
  bool stopping_ = false;
  bool forcing_ = false;
  transport::StopCallback stopDone_;
  core::TimerId stopTimer_ = core::TimerId::kNone;
};

}  // namespace spread::plugins::sim
