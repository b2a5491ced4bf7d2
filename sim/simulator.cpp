#include "simulator.h"

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Util/MapConfiguration.h>

#include <map>

#include "probe_registry.h"
#include "spread/core/broker.h"
#include "spread/core/manual_executor.h"
#include "spread/plugins/sim/sim_control.h"
#include "spread/transport/plugin_loader.h"
#include "spread/transport/publish_service.h"
#include "timeline.h"
#include "trace.h"

namespace spread::sim {

namespace {

using plugins::sim::ConnectionEnd;
using plugins::sim::SimControl;
constexpr std::size_t kQueueDefault = 256;
constexpr core::Duration kLatencyDefault = std::chrono::milliseconds(1);
constexpr std::size_t kWindowDefault = 64 * 1024;
constexpr core::Duration kImplicitGrace = std::chrono::seconds(5);

core::Duration readInterval(std::optional<std::uint64_t> rate) {
  return rate ? core::Duration(1'000'000'000 / static_cast<std::int64_t>(*rate)) : core::Duration::zero();
}

std::string_view toString(transport::PublishResult::Status status) {
  using Status = transport::PublishResult::Status;
  switch (status) {
    case Status::kAccepted: return "accepted";
    case Status::kBadRequest: return "bad_request";
    case Status::kBadTopic: return "bad_topic";
    case Status::kBusy: return "busy";
    case Status::kTooManyTopics: return "too_many_topics";
    case Status::kDraining: return "draining";
  }
  return "?";
}

// One run: owns the world (clock, executor, broker, transport) and plays the clients.
class Run final : public plugins::sim::SimObserver, public ProbeListener {
 public:
  Run(const Scenario& scenario, const RunOptions& options)
      : scenario_(scenario), options_(options), trace_(options.traceOut), timeline_(options.timeline) {}

  RunResult execute();

  // SimObserver
  void onOpened(ConnectionId id) override;
  void onStarted(ConnectionId) override { opening_ = 0; }
  void onRefused(ConnectionId id, int httpStatus) override;
  void onSent(ConnectionId id, const core::MessagePtr& message) override { checker_.sent(id, message); }
  void onRead(ConnectionId id, const core::MessagePtr& message) override;
  void onTextRead(ConnectionId id, std::string_view text) override;
  void onCloseRequested(ConnectionId id, transport::CloseCode code, std::string_view reason) override;
  void onEnded(ConnectionId id, const ConnectionEnd& end) override;
  void onPublishAnswered(std::uint64_t requestId, const transport::PublishResult& result) override;

  // ProbeListener
  void onAccepted(const std::string& topic, std::uint64_t sequence, const std::string& bytes) override;
  std::uint64_t onSubscribed(const std::string& topic, std::uint64_t acceptedBefore) override;
  void onOffered(std::uint64_t tag, const core::MessagePtr& message, core::Delivery outcome) override;
  void onEnded(std::uint64_t tag, core::CloseReason reason, std::uint64_t acceptedNow) override;

 private:
  struct Client {
    plugins::sim::LinkOptions link;
    bool reading = true;
    std::vector<ConnectionId> connections;
    std::uint64_t read = 0;
    std::uint64_t published = 0;  // POSTs answered 204
    std::uint64_t rejected = 0;   // POSTs refused, and error frames read
  };
  struct ConnectionInfo {
    std::string client;
    std::string topic;
    int line = 0;
    bool refused = false;
    std::optional<transport::CloseCode> serverClose;  // the code the server closed with
    std::optional<ConnectionEnd> end;
  };

  TraceLine line(std::string_view event) const { return TraceLine(clock_.now(), event); }
  void trace(const TraceLine& line) { trace_.write(line); }
  bool advanceTo(core::TimePoint until);
  bool step();
  void apply(const Event& event);
  void shutdown(core::Duration grace, bool implicit);
  void expect(const Event& event);
  std::vector<ConnectionId> liveConnections(const Client& client, const std::string& topic = {}) const;
  void skip(const Event& event, const std::string& why);

  const Scenario& scenario_;
  const RunOptions& options_;
  Trace trace_;
  Timeline* timeline_;
  Checker checker_;
  std::optional<Violation> expectationFailure_;
  int expectationLine_ = 0;

  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  transport::Metrics metrics_;
  std::unique_ptr<core::Broker> broker_;
  std::unique_ptr<ProbeRegistry> probe_;
  std::unique_ptr<transport::PublishService> publisher_;
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
  std::unique_ptr<transport::TransportContext> context_;
  std::unique_ptr<transport::LoadedTransport> loaded_;
  SimControl* control_ = nullptr;

  std::map<std::string, Client> clients_;
  std::map<ConnectionId, ConnectionInfo> connections_;
  std::map<std::uint64_t, std::pair<std::string, std::string>> requests_;  // id -> client, topic
  ConnectionId opening_ = 0;
  int currentLine_ = 0;
  bool shutDown_ = false;
  RunStats stats_;
};

RunResult Run::execute() {
  RunResult result;
  result.seed = options_.seed.value_or(scenario_.settings.seed);
  const Settings& s = scenario_.settings;
  broker_ = std::make_unique<core::Broker>(
      clock_, executor_, core::BrokerOptions{s.topicsMax, core::TopicOptions{s.inboundMessagesMax, s.fanoutBatch}});
  probe_ = std::make_unique<ProbeRegistry>(*broker_, *this);
  publisher_ = std::make_unique<transport::PublishService>(*probe_, metrics_, s.publishWait, "chat");
  config_->setInt("closeTimeoutMs", static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(s.closeTimeout).count()));
  transport::SessionOptions session{{kQueueDefault, s.queueBytes}, s.sendWindowBytes, s.messageBytesMax,
                                    s.pingInterval, s.idleTimeout, s.publishWait};
  context_ = std::make_unique<transport::TransportContext>(transport::TransportContext{
      *probe_, clock_, executor_, metrics_, *publisher_, session, *config_, Poco::Logger::get("spread-sim")});

  transport::LoadResult loaded = transport::PluginLoader(options_.pluginDir).load("sim");
  if (auto* error = std::get_if<transport::PluginError>(&loaded)) {
    result.setupError = "cannot load the sim transport: " + error->message();
    return result;
  }
  loaded_ = std::move(std::get<std::unique_ptr<transport::LoadedTransport>>(loaded));
  control_ = dynamic_cast<SimControl*>(&loaded_->transport());
  if (control_ == nullptr) {
    result.setupError = loaded_->path() + ": its transport does not implement SimControl";
    return result;
  }
  for (const std::string& bug : options_.bugs) {
    if (!control_->injectBug(bug)) {
      result.setupError = "unknown bug '" + bug + "'";
      return result;
    }
  }
  control_->setSeed(result.seed);
  control_->setObserver(this);
  transport::StartResult started = loaded_->transport().start(*context_);
  if (!started.ok) {
    result.setupError = "the sim transport did not start: " + started.error;
    return result;
  }
  trace(line("start").add("file", scenario_.file).add("seed", result.seed));

  core::TimePoint lastAt{};
  std::vector<const Event*> atEnd;
  bool running = true;
  for (const Event& event : scenario_.events) {
    if (event.atEnd) {
      atEnd.push_back(&event);
      continue;
    }
    lastAt = core::TimePoint(event.at);
    if (!(running = advanceTo(lastAt))) break;
    currentLine_ = event.line;
    apply(event);
    if (!(running = advanceTo(lastAt))) break;
  }
  if (running) {
    if (!shutDown_) {
      running = advanceTo(std::max(clock_.now(), lastAt + options_.settle));
      if (running) shutdown(kImplicitGrace, true);
    }
    while (running && executor_.pending() > 0) running = step();
    for (const Event* event : atEnd) {
      currentLine_ = event->line;
      if (running) expect(*event);
    }
    if (running && !expectationFailure_) checker_.finish();
  }
  stats_.virtualTime = clock_.now().time_since_epoch();
  trace(line("end").add("steps", stats_.steps));
  if (expectationFailure_ && !checker_.failed()) {
    result.violation = expectationFailure_;
    result.line = expectationLine_;
  } else if (checker_.failed()) {
    result.violation = checker_.violation();
    result.line = currentLine_;
    if (auto found = connections_.find(result.violation->connection); found != connections_.end()) {
      result.connectionLine = found->second.line;
    }
  }
  if (result.violation) {
    trace(line("violation").add("invariant", result.violation->invariant).add("detail", result.violation->detail).add("line", result.line));
  } else if (stats_.steps >= options_.stepsMax) {
    result.violation = Violation{"bounded", "the run did not settle within " + std::to_string(options_.stepsMax) + " executor tasks", 0};
  }
  result.traceHash = trace_.hash();
  result.traceLines = trace_.lines();
  result.stats = stats_;
  return result;
}

bool Run::step() {
  if (stats_.steps >= options_.stepsMax || !executor_.runNext()) return false;
  ++stats_.steps;
  for (ConnectionId id : checker_.live()) checker_.link(id, control_->linkState(id));
  return !checker_.failed() && !expectationFailure_;
}

bool Run::advanceTo(core::TimePoint until) {
  while (auto due = executor_.nextDue()) {
    if (*due > until) break;
    if (!step()) return false;
  }
  if (until > clock_.now()) clock_.advanceTo(until);
  return !checker_.failed() && !expectationFailure_;
}

std::vector<ConnectionId> Run::liveConnections(const Client& client, const std::string& topic) const {
  std::vector<ConnectionId> out;
  for (ConnectionId id : client.connections) {
    const ConnectionInfo& info = connections_.at(id);
    if (!info.end && (topic.empty() || info.topic == topic)) out.push_back(id);
  }
  return out;
}

void Run::skip(const Event& event, const std::string& why) {
  trace(line("skip").add("line", event.line).add("why", why));
}

void Run::apply(const Event& event) {
  trace(line("step").add("line", event.line).add("do", formatEvent(event)));
  Client* client = event.client.empty() ? nullptr : &clients_[event.client];
  switch (event.kind) {
    case Event::Kind::kJoin:
      client->link = plugins::sim::LinkOptions{event.latency.value_or(kLatencyDefault), event.jitter.value_or(core::Duration::zero()),
                                               event.window.value_or(kWindowDefault), readInterval(event.rate)};
      break;
    case Event::Kind::kSubscribe: {
      const std::size_t queue = event.queue.value_or(kQueueDefault);
      const ConnectionId id = control_->connect(plugins::sim::ConnectRequest{event.client, event.topic, queue, client->link});
      if (!client->reading) control_->setReading(id, false);
      client->connections.push_back(id);
      connections_[id] = ConnectionInfo{event.client, event.topic, event.line, false, std::nullopt};
      checker_.connected(id, event.topic, Checker::QueueBound{queue, scenario_.settings.queueBytes});
      trace(line("connect").add("conn", id).add("client", event.client).add("topic", event.topic).add("queue", static_cast<std::uint64_t>(queue)));
      if (timeline_ != nullptr) {
        timeline_->addTopic(event.topic);
        timeline_->addConnection(id, event.client + " #" + std::to_string(id), event.topic, clock_.now());
      }
      break;
    }
    case Event::Kind::kSend: {
      auto live = liveConnections(*client);
      if (live.empty()) return skip(event, event.client + " has no open connection");
      control_->sendText(live.front(), chatBody(event.client, event.text));
      break;
    }
    case Event::Kind::kPublish:
      requests_[control_->post(event.topic, chatBody(event.client, event.text), client->link.latency)] = {event.client, event.topic};
      break;
    case Event::Kind::kBurst:
      for (std::size_t i = 0; i < event.count; ++i) {
        std::string text = "burst " + std::to_string(event.line) + "." + std::to_string(i + 1);
        if (event.size && text.size() < *event.size) text.append(*event.size - text.size(), '.');
        const std::string body = chatBody(event.client, text);
        executor_.postAfter(event.every * static_cast<std::int64_t>(i), [this, body, topic = event.topic, name = event.client] {
          requests_[control_->post(topic, body, clients_[name].link.latency)] = {name, topic};
        });
      }
      break;
    case Event::Kind::kStall:
    case Event::Kind::kResume:
      client->reading = event.kind == Event::Kind::kResume;
      if (event.rate) client->link.readInterval = readInterval(event.rate);
      for (ConnectionId id : liveConnections(*client)) {
        if (event.rate) control_->setReadInterval(id, client->link.readInterval);
        control_->setReading(id, client->reading);
        if (timeline_ != nullptr) timeline_->mark(id, clock_.now(), client->reading ? "resume" : "stall", client->reading ? "resume" : "stall");
      }
      break;
    case Event::Kind::kLeave:
      for (ConnectionId id : liveConnections(*client, event.topic)) control_->leave(id);
      break;
    case Event::Kind::kDisconnect:
      for (ConnectionId id : liveConnections(*client)) control_->cut(id);
      break;
    case Event::Kind::kShutdown:
      if (shutDown_) return skip(event, "already shut down");
      shutdown(event.grace, false);
      break;
    case Event::Kind::kExpect: expect(event); break;
  }
}

void Run::shutdown(core::Duration grace, bool implicit) {
  shutDown_ = true;
  trace(line("shutdown").add("grace_us", static_cast<std::int64_t>(grace.count() / 1000)).add("implicit", implicit));
  checker_.shutdownBegan(clock_.now(), grace);
  if (timeline_ != nullptr) timeline_->shutdown(clock_.now(), grace);
  // What the daemon does: stop taking work, let the broker flush, then stop the transport
  // with whatever is left of the grace period.
  transport::Transport& transport = loaded_->transport();
  transport.beginDrain();
  publisher_->beginDrain();
  const core::TimePoint deadline = clock_.now() + grace;
  broker_->shutdown(grace, [this, deadline, &transport](core::CloseOutcome outcome) {
    trace(line("broker_closed").add("outcome", outcome == core::CloseOutcome::kCompleted ? "completed" : "deadline_exceeded"));
    transport.stop(std::max(core::Duration::zero(), deadline - clock_.now()), [this, &transport](transport::StopOutcome stopped) {
      const std::uint64_t open = transport.stats().connectionsOpen;
      trace(line("stopped").add("outcome", stopped == transport::StopOutcome::kCompleted ? "completed" : "deadline_exceeded").add("open", open));
      checker_.stopped(clock_.now(), open);
    });
  });
}

void Run::expect(const Event& event) {
  const Client& client = clients_[event.client];
  const Expectation& e = event.expect;
  const ConnectionInfo* latest = client.connections.empty() ? nullptr : &connections_.at(client.connections.back());
  std::string problem;
  switch (e.kind) {
    case Expectation::Kind::kReceived:
    case Expectation::Kind::kPublished:
    case Expectation::Kind::kRejected: {
      const std::uint64_t actual = e.kind == Expectation::Kind::kReceived    ? client.read
                                   : e.kind == Expectation::Kind::kPublished ? client.published
                                                                             : client.rejected;
      const bool ok = e.compare == Expectation::Compare::kEqual    ? actual == e.count
                      : e.compare == Expectation::Compare::kAtLeast ? actual >= e.count
                                                                    : actual <= e.count;
      if (!ok) problem = "the count is " + std::to_string(actual);
      break;
    }
    case Expectation::Kind::kClosed: {
      // The server's verdict when it gave one (a stalled client may not have read it yet),
      // otherwise how the connection ended.
      std::optional<int> code;
      if (latest != nullptr && latest->serverClose) code = static_cast<int>(*latest->serverClose);
      if (latest != nullptr && !code && latest->end) code = static_cast<int>(latest->end->code);
      if (!code) {
        problem = event.client + "'s latest connection has not closed";
      } else if (*code != e.code) {
        problem = event.client + "'s latest connection closed with " + std::to_string(*code);
      }
      break;
    }
    case Expectation::Kind::kOpen:
      if (liveConnections(client).empty()) problem = event.client + " has no open connection";
      break;
    case Expectation::Kind::kRefused:
      if (latest == nullptr || !latest->refused) problem = event.client + "'s latest connection was not refused";
      break;
  }
  trace(line("expect").add("line", event.line).add("ok", problem.empty()));
  if (!problem.empty() && !expectationFailure_) {
    expectationFailure_ = Violation{"expectation", "expected '" + formatEvent(event) + "', but " + problem, 0};
    expectationLine_ = event.line;
  }
}

void Run::onOpened(ConnectionId id) {
  opening_ = id;
  ++stats_.connections;
  trace(line("open").add("conn", id));
}

void Run::onRefused(ConnectionId id, int httpStatus) {
  connections_[id].refused = true;
  trace(line("refused").add("conn", id).add("status", httpStatus));
  if (timeline_ != nullptr) timeline_->mark(id, clock_.now(), "refused", "refused " + std::to_string(httpStatus));
}

void Run::onRead(ConnectionId id, const core::MessagePtr& message) {
  checker_.read(id, message);
  ++clients_[connections_[id].client].read;
  ++stats_.deliveries;
  trace(line("deliver").add("conn", id).add("seq", message->sequence()));
  if (timeline_ != nullptr) timeline_->delivered(id, message->sequence(), clock_.now());
}

void Run::onTextRead(ConnectionId id, std::string_view text) {
  ++clients_[connections_[id].client].rejected;
  trace(line("text").add("conn", id).add("text", text));
}

void Run::onCloseRequested(ConnectionId id, transport::CloseCode code, std::string_view reason) {
  checker_.closeRequested(id, code, reason);
  if (!connections_[id].serverClose) connections_[id].serverClose = code;
  trace(line("closing").add("conn", id).add("code", static_cast<int>(code)).add("reason", reason));
}

void Run::onEnded(ConnectionId id, const ConnectionEnd& end) {
  checker_.ended(id, end);
  connections_[id].end = end;
  trace(line("close").add("conn", id).add("by", end.by == plugins::sim::ClosedBy::kServer ? "server" : "client")
            .add("code", static_cast<int>(end.code)).add("reason", end.reason).add("frame_read", end.frameRead));
  if (timeline_ != nullptr) {
    const bool dropped = end.code == transport::CloseCode::kPolicyViolation;
    timeline_->mark(id, clock_.now(), dropped ? "drop" : end.by == plugins::sim::ClosedBy::kClient ? "leave" : "close",
                    std::to_string(static_cast<int>(end.code)) + " " + end.reason);
  }
}

void Run::onPublishAnswered(std::uint64_t requestId, const transport::PublishResult& result) {
  const auto& [client, topic] = requests_[requestId];
  ++(result.ok() ? clients_[client].published : clients_[client].rejected);
  TraceLine out = line("publish").add("client", client).add("topic", topic).add("status", toString(result.status));
  if (!result.ok()) out.add("error", result.error);
  trace(out);
  requests_.erase(requestId);
}

void Run::onAccepted(const std::string& topic, std::uint64_t sequence, const std::string& bytes) {
  checker_.accepted(topic, sequence, bytes);
  ++stats_.accepted;
  trace(line("accept").add("topic", topic).add("seq", sequence));
  if (timeline_ != nullptr) timeline_->accepted(topic, sequence, clock_.now());
}

std::uint64_t Run::onSubscribed(const std::string& topic, std::uint64_t acceptedBefore) {
  checker_.subscribed(opening_, acceptedBefore);
  trace(line("subscribe").add("conn", opening_).add("topic", topic).add("accepted_before", acceptedBefore));
  return opening_;
}

void Run::onOffered(std::uint64_t tag, const core::MessagePtr& message, core::Delivery outcome) {
  const auto id = static_cast<ConnectionId>(tag);
  checker_.offered(id, message, outcome);
  if (outcome == core::Delivery::kFull) trace(line("drop").add("conn", id).add("seq", message->sequence()));
}

void Run::onEnded(std::uint64_t tag, core::CloseReason reason, std::uint64_t acceptedNow) {
  const auto id = static_cast<ConnectionId>(tag);
  checker_.queueEnded(id, reason, acceptedNow);
  trace(line("queue_end").add("conn", id).add("reason", core::toString(reason)));
}

}  // namespace

RunResult runScenario(const Scenario& scenario, const RunOptions& options) {
  Run run(scenario, options);
  return run.execute();
}

std::string RunResult::describe(const std::string& file) const {
  if (!setupError.empty()) return "spread-sim: " + setupError;
  if (!violation) return file + ": ok";
  std::string text = file + ":" + std::to_string(line) + ": invariant " + violation->invariant + " broken (seed " +
                     std::to_string(seed) + "): " + violation->detail;
  if (connectionLine != 0) text += " [connection opened at line " + std::to_string(connectionLine) + "]";
  return text;
}

}  // namespace spread::sim
