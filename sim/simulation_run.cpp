#include "simulation_run.h"

#include <Poco/Logger.h>

namespace spread::sim {

namespace {

using plugins::sim::SimControl;
constexpr std::size_t kQueueDefault = 256;
constexpr core::Duration kLatencyDefault = std::chrono::milliseconds(1);
constexpr std::size_t kWindowDefault = 64 * 1024;
constexpr core::Duration kImplicitGrace = std::chrono::seconds(5);
constexpr const char* kDefaultTopic = "chat";

core::Duration readInterval(std::optional<std::uint64_t> rate) {
  return rate ? core::Duration(1'000'000'000 / static_cast<std::int64_t>(*rate)) : core::Duration::zero();
}

}  // namespace

RunResult SimulationRun::execute() {
  RunResult result;
  result.seed = options_.seed.value_or(scenario_.settings.seed);
  result.setupError = setUp(result.seed);
  if (!result.setupError.empty()) return result;
  trace(line("start").add("file", scenario_.file).add("seed", result.seed));
  play();
  judge(result);
  // A run stopped by a violation may leave publishes waiting for room. Each one's callback
  // holds the probe topic that holds the topic it waits in: a cycle nothing would break.
  // Shutting the broker down answers them (kTopicClosed), after the verdict and the trace.
  if (result.violation) broker_->shutdown(core::Duration::zero(), [](core::CloseOutcome) {});
  if (result.violation) drainAfterVerdict();
  return result;
}

void SimulationRun::drainAfterVerdict() {
  quiet_ = true;
  control_->setObserver(nullptr);
  loaded_->transport().stop(core::Duration::zero(), [](transport::StopOutcome) {});
  for (std::size_t tasks = 0; tasks < options_.stepsMax && executor_.runNext(); ++tasks) {
  }
}

std::string SimulationRun::startQuery(const Event& event) const {
  if (event.last) return "&last=" + std::to_string(*event.last);
  if (!event.sinceRead) return {};
  const auto read = lastRead_.find(event.client + '\n' + event.topic);
  if (read == lastRead_.end()) return "&last=0";
  return "&since=" + std::to_string(read->second.first) + "&epoch=" + read->second.second;
}

std::string SimulationRun::setUp(std::uint64_t seed) {
  const Settings& s = scenario_.settings;
  core::TopicOptions topic{s.inboundMessagesMax, s.fanoutBatch};
  topic.historySize = s.history;
  // Stamped as the daemon stamps what it sends, so that the checker reads the same bytes.
  if (s.history != 0) topic.stampPosition = transport::stampChatPosition;
  broker_ = std::make_unique<core::Broker>(
      clock_, executor_,
      // The default topic is reserved, as the daemon reserves broker.defaultTopic.
      // Epochs come from the run's seed, so a run repeats exactly.
      core::BrokerOptions{s.topicsMax, topic, s.topicLinger, kDefaultTopic, &faults_, seed});
  probe_ = std::make_unique<ProbeRegistry>(*broker_, *this);
  publisher_ = std::make_unique<transport::PublishService>(*probe_, metrics_, s.publishWait, kDefaultTopic);
  config_->setInt(
      "closeTimeoutMs",
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(s.closeTimeout).count()));
  transport::SessionOptions session{{kQueueDefault, s.queueBytes},
                                    s.sendWindowBytes,
                                    s.messageBytesMax,
                                    s.pingInterval,
                                    s.idleTimeout,
                                    s.publishWait};
  if (s.tokens) tokens_ = std::make_unique<SimTokens>(clock_);
  context_ = std::make_unique<transport::TransportContext>(transport::TransportContext{
      *probe_, clock_, executor_, metrics_, *publisher_, session, *config_, Poco::Logger::get("spread-sim"),
      &faults_, tokens_ ? &tokens_->authenticator() : nullptr});

  transport::LoadResult loaded = transport::PluginLoader(options_.pluginDir).load("sim");
  if (auto* error = std::get_if<transport::PluginError>(&loaded))
    return "cannot load the sim transport: " + error->message();
  loaded_ = std::move(std::get<std::unique_ptr<transport::LoadedTransport>>(loaded));
  control_ = dynamic_cast<SimControl*>(&loaded_->transport());
  if (control_ == nullptr) return loaded_->path() + ": its transport does not implement SimControl";
  for (const std::string& bug : options_.bugs) {
    // A bug in the real server code first, then at the probe, then in the sim transport.
    if (!faults_.enable(bug) && !probe_->bugs().enable(bug) && !control_->injectBug(bug)) {
      return "unknown bug '" + bug + "'";
    }
  }
  control_->setSeed(seed);
  control_->setObserver(this);
  transport::StartResult started = loaded_->transport().start(*context_);
  if (!started.ok) return "the sim transport did not start: " + started.error;
  return {};
}

void SimulationRun::play() {
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
    if (running && !expectationFailure_) checker_.finish(metrics_.connectionsOpen());
  }
}

void SimulationRun::judge(RunResult& result) {
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
  for (const Event& event : scenario_.events) {
    if (result.violation && event.line == result.line) result.lineText = formatEvent(event);
  }
  if (!result.violation && stats_.steps >= options_.stepsMax) {
    result.violation = Violation{
        "bounded", "the run did not settle within " + std::to_string(options_.stepsMax) + " executor tasks",
        0};
  }
  if (result.violation) {
    trace(line("violation")
              .add("invariant", result.violation->invariant)
              .add("detail", result.violation->detail)
              .add("line", result.line));
  }
  result.traceHash = trace_.hash();
  result.traceLines = trace_.lines();
  result.stats = stats_;
}

bool SimulationRun::step() {
  if (stats_.steps >= options_.stepsMax || !executor_.runNext()) return false;
  ++stats_.steps;
  checker_.escapedExceptions(executor_.escapedExceptions());
  checker_.refusedTasks(executor_.refusedTasks());
  if (!openStreams_.empty()) readStreams();
  control_->takeGrownLinks(grownLinks_);
  for (ConnectionId id : grownLinks_) {
    if (checker_.isLive(id)) checker_.link(id, control_->linkState(id));
  }
  return !checker_.failed() && !expectationFailure_;
}

bool SimulationRun::advanceTo(core::TimePoint until) {
  while (auto due = executor_.nextDue()) {
    if (*due > until) break;
    if (!step()) return false;
  }
  if (until > clock_.now()) clock_.advanceTo(until);
  return !checker_.failed() && !expectationFailure_;
}

std::vector<ConnectionId> SimulationRun::liveConnections(const Client& client,
                                                         const std::string& topic) const {
  std::vector<ConnectionId> out;
  for (ConnectionId id : client.connections) {
    const ConnectionInfo& info = connections_.at(id);
    if (!info.end && (topic.empty() || info.topic == topic)) out.push_back(id);
  }
  return out;
}

int SimulationRun::streamOf(const std::string& name, Client& client) {
  if (!client.stream || client.streamEnded) {
    client.stream = control_->openStream(client.link);
    client.streamEnded = false;
    client.streamBytes.clear();
    client.reference.emplace(scenario_.settings.messageBytesMax);
    openStreams_.emplace_back(name, &client);
    trace(line("stream_open").add("client", name).add("stream", *client.stream));
  }
  return *client.stream;
}

void SimulationRun::readStreams() {
  for (std::size_t i = 0; i < openStreams_.size();) {
    auto& [name, client] = openStreams_[i];
    std::string bytes = control_->streamTake(*client->stream);
    if (!bytes.empty()) {
      trace(line("stream_read").add("client", name).add("bytes", static_cast<std::uint64_t>(bytes.size())));
      client->streamBytes += bytes;
      client->heard += bytes;
    }
    if (control_->streamEnded(*client->stream)) {
      client->streamEnded = true;
      const HeardFrames heard = scanServerFrames(client->streamBytes);
      checker_.streamEnded(*client->stream, heard.close, client->reference->answeredPingAfterFailure(heard));
      trace(line("stream_end").add("client", name));
      openStreams_.erase(openStreams_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++i;
  }
}

void SimulationRun::skip(const Event& event, const std::string& why) {
  trace(line("skip").add("line", event.line).add("why", why));
}

void SimulationRun::apply(const Event& event) {
  trace(line("step").add("line", event.line).add("do", formatEvent(event)));
  Client* client = event.client.empty() ? nullptr : &clients_[event.client];
  switch (event.kind) {
    case Event::Kind::kJoin:
      client->link = plugins::sim::LinkOptions{
          event.latency.value_or(kLatencyDefault), event.jitter.value_or(core::Duration::zero()),
          event.window.value_or(kWindowDefault), readInterval(event.rate)};
      if (tokens_) client->token = tokens_->tokenFor(event.client, event.token.value_or("forever"), clock_.now());
      break;
    case Event::Kind::kSubscribe: {
      const std::size_t queue = event.queue.value_or(kQueueDefault);
      const ConnectionId id = control_->connect(plugins::sim::ConnectRequest{
          event.client, event.topic, queue, client->link, client->token, startQuery(event)});
      if (!client->reading) control_->setReading(id, false);
      client->connections.push_back(id);
      connections_[id] = ConnectionInfo{event.client, event.topic, event.line, false, std::nullopt, {},
                                        std::nullopt, std::nullopt, {}, std::nullopt};
      checker_.connected(id, event.topic, Checker::QueueBound{queue, scenario_.settings.queueBytes});
      trace(line("connect")
                .add("conn", id)
                .add("client", event.client)
                .add("topic", event.topic)
                .add("queue", static_cast<std::uint64_t>(queue)));
      if (timeline_ != nullptr) {
        timeline_->addTopic(event.topic);
        timeline_->addConnection(id, event.client + " #" + std::to_string(id), event.topic, clock_.now());
      }
      break;
    }
    case Event::Kind::kSend: {
      auto live = liveConnections(*client);
      // With a topic, only the latest connection to it will do.
      if (!event.topic.empty()) {
        const ConnectionId id = latestTo(*client, event.topic);
        live.clear();
        if (id != 0 && !connections_.at(id).end) live.push_back(id);
      }
      if (live.empty())
        return skip(event, event.client + " has no open connection" + (event.topic.empty() ? "" : " to " + event.topic));
      std::string text = event.text;
      if (event.size && text.size() < *event.size) text.append(*event.size - text.size(), '.');
      const std::string body = chatBody(event.client, text);
      checker_.published(event.client + " on connection " + std::to_string(live.front()),
                         connections_[live.front()].topic, body);
      frames_.frameSent(live.front(), connections_[live.front()].topic, body);
      control_->sendText(live.front(), body);
      break;
    }
    case Event::Kind::kPublish: {
      const std::string body = chatBody(event.client, event.text);
      checker_.published(event.client + " over HTTP", event.topic, body);
      const std::uint64_t request = control_->post(event.topic, body, client->link.latency, client->token);
      requests_[request] = {event.client, event.topic};
      frames_.postSent(request, event.topic, body);
      break;
    }
    case Event::Kind::kBurst:
      for (std::size_t i = 0; i < event.count; ++i) {
        std::string text = "burst " + std::to_string(event.line) + "." + std::to_string(i + 1);
        if (event.size && text.size() < *event.size) text.append(*event.size - text.size(), '.');
        const std::string body = chatBody(event.client, text);
        (void)executor_.postAfter(event.every * static_cast<std::int64_t>(i), [this, body, topic = event.topic,
                                                                         name = event.client] {
          checker_.published(name + " over HTTP", topic, body);
          const std::uint64_t request = control_->post(topic, body, clients_[name].link.latency, clients_[name].token);
          requests_[request] = {name, topic};
          frames_.postSent(request, topic, body);
        });
      }
      break;
    case Event::Kind::kStall:
    case Event::Kind::kResume:
      if (!event.topic.empty()) return stallOne(event, *client);
      client->reading = event.kind == Event::Kind::kResume;
      if (event.rate) client->link.readInterval = readInterval(event.rate);
      for (ConnectionId id : liveConnections(*client)) {
        if (event.rate) control_->setReadInterval(id, client->link.readInterval);
        control_->setReading(id, client->reading);
        if (timeline_ != nullptr)
          timeline_->mark(id, clock_.now(), client->reading ? "resume" : "stall",
                          client->reading ? "resume" : "stall");
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
    // A cluster scenario is played by ClusterRun; the parser keeps these lines out of others.
    case Event::Kind::kLink:
    case Event::Kind::kBackplane: return skip(event, "a cluster command in a one-node run");
    case Event::Kind::kRaw: {
      const int stream = streamOf(event.client, *client);
      client->reference->raw(event.text);
      control_->streamSend(stream, event.text);
      break;
    }
    case Event::Kind::kFrame: {
      const int stream = streamOf(event.client, *client);
      if (auto required = client->reference->frame(event.opcode, event.text, event.closeCode, event.fin,
                                                   event.masked)) {
        checker_.mustClose(stream, *required);
      }
      control_->streamSend(stream,
                           encodeClientFrame(event.opcode, event.text, event.closeCode, event.fin, event.masked));
      break;
    }
  }
}

void SimulationRun::stallOne(const Event& event, const Client& client) {
  const ConnectionId id = latestTo(client, event.topic);
  if (id == 0 || connections_.at(id).end) return skip(event, event.client + " has no open connection to " + event.topic);
  // The client's own reading state stays as it was: its other and later connections keep it.
  const bool reading = event.kind == Event::Kind::kResume;
  if (event.rate) control_->setReadInterval(id, readInterval(event.rate));
  control_->setReading(id, reading);
  if (timeline_ != nullptr) timeline_->mark(id, clock_.now(), reading ? "resume" : "stall", reading ? "resume" : "stall");
}

void SimulationRun::shutdown(core::Duration grace, bool implicit) {
  shutDown_ = true;
  trace(line("shutdown")
            .add("grace_us", static_cast<std::int64_t>(grace.count() / 1000))
            .add("implicit", implicit));
  checker_.shutdownBegan(clock_.now(), grace);
  if (timeline_ != nullptr) timeline_->shutdown(clock_.now(), grace);
  // What the daemon does: stop taking work, let the broker flush, then stop the transport
  // with whatever is left of the grace period.
  transport::Transport& transport = loaded_->transport();
  transport.beginDrain();
  publisher_->beginDrain();
  const core::TimePoint deadline = clock_.now() + grace;
  broker_->shutdown(grace, [this, deadline, &transport](core::CloseOutcome outcome) {
    trace(line("broker_closed")
              .add("outcome", outcome == core::CloseOutcome::kCompleted ? "completed" : "deadline_exceeded"));
    transport.stop(
        std::max(core::Duration::zero(), deadline - clock_.now()),
        [this, &transport](transport::StopOutcome stopped) {
          const std::uint64_t open = transport.stats().connectionsOpen;
          trace(line("stopped")
                    .add("outcome",
                         stopped == transport::StopOutcome::kCompleted ? "completed" : "deadline_exceeded")
                    .add("open", open));
          checker_.stopped(clock_.now(), open);
        });
  });
}

}  // namespace spread::sim
