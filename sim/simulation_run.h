#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checker.h"
#include "frame_attribution.h"
#include "probe_registry.h"
#include "scenario.h"
#include "sim_tokens.h"
#include "simulator.h"
#include "spread/core/broker.h"
#include "spread/core/injected_faults.h"
#include "spread/core/manual_executor.h"
#include "spread/plugins/sim/sim_control.h"
#include "spread/transport/message_position.h"
#include "spread/transport/plugin_loader.h"
#include "spread/transport/publish_service.h"
#include "timeline.h"
#include "trace.h"
#include "wire_client.h"

namespace spread::sim {

/// One simulation run (internal to the simulator): owns the world — clock, executor,
/// broker, the probe in front of it, the loaded sim transport — and plays the scenario's
/// clients against it. It hears what happens as the transport's observer and the probe's
/// listener, and passes it on to the trace, the checker and the timeline.
/// simulation_run.cpp drives the run; simulation_reports.cpp handles what it hears;
/// simulation_counts.cpp keeps the counts `expect` lines judge, per client and per connection.
class SimulationRun final : public plugins::sim::SimObserver, public ProbeListener {
 public:
  SimulationRun(const Scenario& scenario, const RunOptions& options)
      : scenario_(scenario), options_(options), trace_(options.traceOut), timeline_(options.timeline) {}

  RunResult execute();

  // SimObserver
  void onOpened(ConnectionId id) override;
  void onStarted(ConnectionId) override { opening_ = 0; }
  void onRefused(ConnectionId id, int httpStatus) override;
  void onWireViolation(ConnectionId id, std::string_view problem) override;
  void onSent(ConnectionId id, const core::MessagePtr& message) override;
  void onRead(ConnectionId id, const core::MessagePtr& message) override;
  void onTextRead(ConnectionId id, std::string_view text) override;
  void onCloseRequested(ConnectionId id, transport::CloseCode code, std::string_view reason) override;
  void onEnded(ConnectionId id, const plugins::sim::ConnectionEnd& end) override;
  void onPublishAnswered(std::uint64_t requestId, const transport::PublishResult& result) override;

  // ProbeListener
  void onTopicCreated(const std::string& topic) override;
  void onAccepted(const std::string& topic, std::uint64_t sequence, const std::string& bytes,
                  std::uint64_t epoch) override;
  std::uint64_t onSubscribed(const std::string& topic, std::uint64_t acceptedBefore) override;
  void onStartsAfter(std::uint64_t tag, std::uint64_t offset) override;
  void onOffering(std::uint64_t) override { offering_ = true; }
  void onOffered(std::uint64_t tag, const core::MessagePtr& message, core::Delivery outcome) override;
  void onEnded(std::uint64_t tag, core::CloseReason reason, std::uint64_t acceptedNow) override;

 private:
  /// What a client counted over all its connections and POSTs, or one connection alone.
  struct Tally {
    std::uint64_t read = 0;
    std::uint64_t published = 0;        // POSTs answered 204, and text frames accepted
    std::uint64_t publishedUnsure = 0;  // accepted frames that may be these or another's
    RejectionCounts rejected{};         // POSTs refused and error frames read, by kind
  };
  struct Client {
    plugins::sim::LinkOptions link;
    std::string token;  // with `set tokens on`: what it carries, minted at its join; may be empty
    bool reading = true;
    std::vector<ConnectionId> connections;
    Tally tally;
    // A byte-level client's stream (raw and frame lines), reopened when the server ended it.
    std::optional<int> stream;
    bool streamEnded = false;
    std::string streamBytes;  // heard on the current stream
    std::optional<StreamReference> reference;  // what the current stream's frames require
    std::string heard;        // heard on all of them
  };
  struct ConnectionInfo {
    std::string client;
    std::string topic;
    int line = 0;
    bool refused = false;
    std::optional<transport::CloseCode> serverClose;  // the code the server closed with
    std::string serverCloseReason;                    // and its reason
    // How its subscription ended: the close its session owes the client, even if the link
    // was cut (at the stop deadline) before the session could send it.
    std::optional<core::CloseReason> subscriptionEnd;
    std::optional<plugins::sim::ConnectionEnd> end;
    Tally tally;  // its own messages read, frames accepted and error frames read
    std::optional<std::string> resumed;  // its first frame's verdict: "ok", or why not
  };

  /// Builds the world and loads the plugin; returns why it could not, or nothing.
  std::string setUp(std::uint64_t seed);
  /// Applies the events in time order, running every task due on the way, then shuts
  /// down (if the scenario did not) and runs until nothing is pending.
  void play();
  /// Fills in the first violation, where it happened, and the run's numbers.
  void judge(RunResult& result);
  TraceLine line(std::string_view event) const { return TraceLine(clock_.now(), event); }
  void trace(const TraceLine& line) {
    if (!quiet_) trace_.write(line);
  }
  bool advanceTo(core::TimePoint until);
  bool step();
  void apply(const Event& event);
  void shutdown(core::Duration grace, bool implicit);
  void expect(const Event& event);
  std::vector<ConnectionId> liveConnections(const Client& client, const std::string& topic = {}) const;
  /// What a subscribe line adds to the query after its topic: `&last=N`, or for since=read
  /// `&since=OFFSET&epoch=E` of the last message the client read from the topic (`&last=0`
  /// if it has read none), or nothing.
  std::string startQuery(const Event& event) const;
  /// The client's latest connection to `topic`, or 0 if it has none.
  ConnectionId latestTo(const Client& client, const std::string& topic) const;
  /// `stall|resume NAME TOPIC`: only the client's latest connection to the topic.
  void stallOne(const Event& event, const Client& client);
  /// Why a count expectation does not hold for `tally`, or empty.
  static std::string countProblem(const Expectation& expect, const Tally& tally);
  /// A topic accepted `bytes`: counts it for the connection that sent it as a text frame,
  /// if one did (see FrameAttribution).
  void creditFrame(const std::string& topic, const std::string& bytes);
  /// The client's byte stream, opened now if it has none or the server ended it.
  int streamOf(const std::string& name, Client& client);
  /// Every byte-level client reads what has reached it, as a socket's reader would.
  void readStreams();
  /// After a verdict reached early: stops the transport and runs what is left, unheard, so
  /// nothing the simulated server left in the executor outlives that server.
  void drainAfterVerdict();
  void skip(const Event& event, const std::string& why);

  const Scenario& scenario_;
  const RunOptions& options_;
  Trace trace_;
  Timeline* timeline_;
  Checker checker_;
  std::optional<Violation> expectationFailure_;
  int expectationLine_ = 0;

  // Deliberate bugs in the broker, the sessions and the WebSocket stack (--inject-bug),
  // handed to each through its options; before them all, so it outlives them.
  core::InjectedFaults faults_;
  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  transport::Metrics metrics_;
  std::unique_ptr<core::Broker> broker_;
  std::unique_ptr<ProbeRegistry> probe_;
  std::unique_ptr<transport::PublishService> publisher_;
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
  std::unique_ptr<SimTokens> tokens_;  // with `set tokens on`
  std::unique_ptr<transport::TransportContext> context_;
  std::unique_ptr<transport::LoadedTransport> loaded_;
  plugins::sim::SimControl* control_ = nullptr;
  std::vector<ConnectionId> grownLinks_;  // reused every step
  std::vector<std::pair<std::string, Client*>> openStreams_;  // byte-level clients still connected
  bool quiet_ = false;  // drainAfterVerdict(): nothing more is traced

  std::map<std::string, Client> clients_;
  // client + '\n' + topic -> the offset and epoch of the last message it read there
  std::map<std::string, std::pair<std::uint64_t, std::string>> lastRead_;
  std::map<ConnectionId, ConnectionInfo> connections_;
  std::map<std::uint64_t, std::pair<std::string, std::string>> requests_;  // id -> client, topic
  FrameAttribution frames_;
  ConnectionId opening_ = 0;
  // A session pumps during the fan-out when it can: what it sends while an offer is in
  // progress is reported once the offer is, so the checker sees queue, then send.
  bool offering_ = false;
  std::vector<std::function<void()>> afterOffer_;
  /// True (and `report` kept for later) while an offer is in progress.
  bool deferred(std::function<void()> report);
  int currentLine_ = 0;
  bool shutDown_ = false;
  RunStats stats_;
};

}  // namespace spread::sim
