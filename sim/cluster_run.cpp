#include "cluster_run.h"

#include <algorithm>

namespace spread::sim {

namespace {

constexpr std::size_t kQueueDefault = 256;
constexpr const char* kDefaultTopic = "chat";

std::optional<RejectionKind> rejectionFor(core::PublishOutcome outcome) {
  switch (outcome) {
    case core::PublishOutcome::kAccepted: return std::nullopt;
    case core::PublishOutcome::kBusy:
    case core::PublishOutcome::kTimedOut: return RejectionKind::kBusy;
    case core::PublishOutcome::kTopicClosed: return RejectionKind::kDraining;
    case core::PublishOutcome::kUnavailable: return RejectionKind::kUnavailable;
  }
  return RejectionKind::kUnknown;
}

constexpr const char* kClusterBugs = "backplane-accepts-while-cut, backplane-keeps-epoch, backplane-silent-heal";

// The deliberate bugs a cluster run knows: each breaks the backplane so that one of the
// cluster invariants must catch it.
bool enableBug(SimBackplane::Faults& faults, const std::string& name) {
  if (name == "backplane-accepts-while-cut") return faults.acceptWhileCut = true;
  if (name == "backplane-keeps-epoch") return faults.keepEpochOnRestart = true;
  if (name == "backplane-silent-heal") return faults.silentHeal = true;
  return false;
}

std::string resumeWord(core::ResumeOutcome outcome) {
  return outcome == core::ResumeOutcome::kRecovered ? "ok" : core::describe(outcome);
}

}  // namespace

// One node: its engine first, since the broker it feeds must go before it.
struct ClusterRun::Node {
  Node(SimBackplane& backplane, int number, core::ManualClock& clock, core::ManualExecutor& executor, const Settings& s,
       std::uint64_t seed)
      : engine(backplane.link(number), clock, executor, engineOptions(s)),
        broker(clock, executor, brokerOptions(s, engine, seed + static_cast<std::uint64_t>(number))) {}
  static core::ClusterEngineOptions engineOptions(const Settings& s) {
    core::ClusterEngineOptions options;
    options.warmEntriesMax = s.history;
    return options;
  }
  static core::BrokerOptions brokerOptions(const Settings& s, core::ClusterEngine& engine, std::uint64_t seed) {
    core::BrokerOptions options;
    options.topicsMax = s.topicsMax;
    options.topic = core::TopicOptions{s.inboundMessagesMax, s.fanoutBatch};
    options.topic.historySize = s.history;
    options.topicLinger = s.topicLinger;
    options.reservedTopic = kDefaultTopic;
    options.epochSeed = seed;
    options.feeder = &engine;
    return options;
  }
  core::ClusterEngine engine;
  core::Broker broker;
  bool down = false;     // its link is cut, or dropped by a restart
  bool delayed = false;  // its link has had a delay
};

ClusterRun::ClusterRun(const Scenario& scenario, const RunOptions& options)
    : scenario_(scenario), options_(options), trace_(options.traceOut) {}

ClusterRun::~ClusterRun() {
  // Nothing the nodes left in the executor may outlive them: stop, then run what is left.
  for (auto& node : nodes_) node->engine.stop();
  for (std::size_t tasks = 0; tasks < options_.stepsMax && executor_.runNext(); ++tasks) {
  }
  nodes_.clear();
}

RunResult ClusterRun::execute() {
  RunResult result;
  result.seed = options_.seed.value_or(scenario_.settings.seed);
  const Settings& s = scenario_.settings;
  backplane_ = std::make_unique<SimBackplane>(clock_, executor_, s.history, result.seed);
  for (const std::string& bug : options_.bugs) {
    if (!enableBug(backplane_->faults, bug)) {
      result.setupError = "unknown bug '" + bug + "' for a cluster scenario (" + std::string(kClusterBugs) + ")";
      return result;
    }
  }
  backplane_->onAppended = [this](const std::string& topic, std::uint64_t epoch, const core::LogEntry& entry) {
    checker_.appended(topic, epoch, entry);
    ++stats_.accepted;
    trace_.write(line("log").add("topic", topic).add("epoch", epoch).add("offset", entry.offset));
  };
  for (int n = 1; n <= s.nodes; ++n) {
    nodes_.push_back(std::make_unique<Node>(*backplane_, n, clock_, executor_, s, result.seed));
    nodes_.back()->engine.start();
  }
  trace_.write(line("start").add("file", scenario_.file).add("seed", result.seed).add("nodes", s.nodes));
  play();
  judge(result);
  return result;
}

void ClusterRun::play() {
  auto advanceTo = [this](core::TimePoint until) {
    while (!violation_ && stats_.steps < options_.stepsMax) {
      const auto due = executor_.nextDue();
      if (!due || *due > until) break;
      executor_.runNext();
      ++stats_.steps;
      readQueues();
    }
    if (until > clock_.now()) clock_.advanceTo(until);
  };
  core::TimePoint lastAt{};
  std::vector<const Event*> atEnd;
  for (const Event& event : scenario_.events) {
    if (event.atEnd) {
      atEnd.push_back(&event);
      continue;
    }
    lastAt = core::TimePoint(event.at);
    advanceTo(lastAt);
    if (violation_) return;
    currentLine_ = event.line;
    apply(event);
    advanceTo(lastAt);
    if (violation_) return;
  }
  advanceTo(std::max(clock_.now(), lastAt + options_.settle));
  for (const Event* event : atEnd) {
    currentLine_ = event->line;
    if (!violation_) expect(*event);
  }
}

void ClusterRun::apply(const Event& event) {
  trace_.write(line("step").add("line", event.line).add("do", formatEvent(event)));
  switch (event.kind) {
    case Event::Kind::kJoin: clients_[event.client].node = event.node; break;
    case Event::Kind::kSubscribe: subscribe(event); break;
    case Event::Kind::kPublish:
      publish(event.client, event.topic, chatBody(event.client, event.text), event.line);
      break;
    case Event::Kind::kBurst:
      for (std::size_t i = 0; i < event.count; ++i) {
        std::string text = "burst " + std::to_string(event.line) + "." + std::to_string(i + 1);
        if (event.size && text.size() < *event.size) text.append(*event.size - text.size(), '.');
        (void)executor_.postAfter(event.every * static_cast<std::int64_t>(i),
                                  [this, body = chatBody(event.client, text), event] {
                                    publish(event.client, event.topic, body, event.line);
                                  });
      }
      break;
    case Event::Kind::kLeave:
    case Event::Kind::kDisconnect:
      for (auto& sub : subscriptions_) {
        if (sub->client != event.client || sub->ended) continue;
        if (!event.topic.empty() && sub->topic != event.topic) continue;
        (void)sub->handle.unsubscribe();
        sub->ended = true;
      }
      break;
    case Event::Kind::kLink:
      switch (event.linkChange) {
        case Event::LinkChange::kCut:
          linkDown(event.node);
          backplane_->cut(event.node);
          break;
        case Event::LinkChange::kHeal: {
          // What was taken while it was down must come back from the log; past the log's
          // bound, what it no longer holds is lost to the node's subscribers (a visible jump).
          std::size_t taken = 0;
          for (const auto& sub : subscriptions_) taken = std::max(taken, checker_.position(sub->topic));
          const auto down = downSince_.find(event.node);
          if (down != downSince_.end() && taken - std::min(taken, down->second) > scenario_.settings.history) {
            for (auto& sub : subscriptions_) {
              if (sub->node == event.node) sub->lossAllowed = true;
            }
          }
          downSince_.erase(event.node);
          nodes_.at(static_cast<std::size_t>(event.node - 1))->down = false;
          backplane_->heal(event.node);
          break;
        }
        case Event::LinkChange::kDelay:
          backplane_->setDelay(event.node, event.delay);
          // Once slowed, something may be in flight on it at a restart.
          if (event.delay > core::Duration::zero()) nodes_.at(static_cast<std::size_t>(event.node - 1))->delayed = true;
          break;
      }
      break;
    case Event::Kind::kBackplane: {
      // A restart loses the logs: what was still in flight to a slowed node is gone with
      // them (on an undelayed link everything due by now was delivered before this line).
      for (auto& sub : subscriptions_) {
        if (nodes_.at(static_cast<std::size_t>(sub->node - 1))->delayed) sub->lossAllowed = true;
      }
      std::vector<std::size_t> dropped;
      for (std::size_t n = 0; n < nodes_.size(); ++n) {
        if (backplane_->link(static_cast<int>(n) + 1).up()) dropped.push_back(n);
      }
      backplane_->restart(event.delay);
      // Posted after the restart's own return of the links, so it runs once they are back.
      for (std::size_t n : dropped) {
        nodes_[n]->down = true;
        (void)executor_.postAfter(event.delay, [this, n] {
          if (backplane_->link(static_cast<int>(n) + 1).up()) nodes_[n]->down = false;
        });
      }
      break;
    }
    case Event::Kind::kExpect: expect(event); break;
    default: trace_.write(line("skip").add("line", event.line).add("why", "not played in a cluster run")); break;
  }
}

void ClusterRun::linkDown(int node) {
  std::size_t taken = 0;
  for (const auto& sub : subscriptions_) taken = std::max(taken, checker_.position(sub->topic));
  downSince_.emplace(node, taken);
  nodes_.at(static_cast<std::size_t>(node - 1))->down = true;
}

void ClusterRun::publish(const std::string& client, const std::string& topic, const std::string& body, int line) {
  Client& who = clients_[client];
  Node& node = *nodes_.at(static_cast<std::size_t>(who.node - 1));
  const bool down = node.down;
  node.engine.publish(
      topic, core::Payload::raw(body), scenario_.settings.publishWait,
      [this, client, topic, down, line](core::PublishOutcome outcome) {
        Client& who = clients_[client];
        trace_.write(
            this->line("published").add("client", client).add("topic", topic).add("outcome", core::toString(outcome)));
        if (auto kind = rejectionFor(outcome)) {
          ++who.rejected[static_cast<std::size_t>(*kind)];
        } else {
          ++who.published;
        }
        if (down && outcome != core::PublishOutcome::kUnavailable) {
          fail("refused-while-down",
               ClusterChecker::refusedWhileDown(outcome, 0, 0) + " (" + client + " on node " +
                   std::to_string(who.node) + ")",
               line);
        }
      });
}

void ClusterRun::subscribe(const Event& event) {
  auto sub = std::make_unique<Subscription>();
  sub->client = event.client;
  sub->topic = event.topic;
  sub->node = clients_[event.client].node;
  sub->line = event.line;
  sub->queue = std::make_shared<core::QueueSubscriber>(
      core::QueueLimits{event.queue.value_or(kQueueDefault), scenario_.settings.queueBytes});
  sub->since = checker_.position(event.topic);
  Node& node = *nodes_.at(static_cast<std::size_t>(sub->node - 1));
  if (node.down) sub->lossAllowed = true;  // it cannot even read the log's tail yet
  core::SubscribeFrom from = core::SubscribeFrom::live();
  if (event.last) {
    from = core::SubscribeFrom::last(*event.last);
    sub->lossAllowed = true;  // judged for order and repeats only: it starts somewhere in history
  } else if (event.sinceRead) {
    const auto read = lastRead_.find(event.client + '\n' + event.topic);
    if (read == lastRead_.end()) {
      from = core::SubscribeFrom::last(0);
    } else {
      sub->resumeAfter = read->second;
      from = core::SubscribeFrom::after(read->second.first, read->second.second);
    }
  }
  Subscription* raw = sub.get();
  from.decided = [raw](const core::SubscribeResult& result) { raw->resume = result.resume; };
  core::TopicLookup lookup = node.broker.topic(event.topic);
  trace_.write(line("subscribe").add("client", event.client).add("topic", event.topic).add("node", sub->node));
  if (!lookup.ok()) {
    sub->ended = true;
    trace_.write(line("refused").add("client", event.client).add("topic", event.topic));
  } else {
    const core::SubscribeResult result = lookup.topic->subscribe(sub->queue, std::move(from));
    sub->handle = result.handle;
    if (!result.ok()) sub->ended = true;
    if (result.resume != core::ResumeOutcome::kPending) sub->resume = result.resume;
  }
  subscriptions_.push_back(std::move(sub));
}

void ClusterRun::readQueues() {
  for (auto& sub : subscriptions_) {
    if (sub->ended || sub->queue->size() == 0) continue;
    Node& node = *nodes_.at(static_cast<std::size_t>(sub->node - 1));
    const std::shared_ptr<core::Topic> topic = node.broker.find(sub->topic);
    const std::uint64_t epoch = topic ? topic->epoch() : sub->lastEpoch;
    for (const core::MessagePtr& message : sub->queue->popUpTo(sub->queue->size())) {
      sub->reads.push_back({message->offset(), message->bytes()});
      sub->lastEpoch = epoch;
      lastRead_[sub->client + '\n' + sub->topic] = {message->offset(), epoch};
      ++clients_[sub->client].read;
      ++stats_.deliveries;
      trace_.write(line("read").add("client", sub->client).add("topic", sub->topic).add("offset", message->offset()));
    }
  }
}

ClusterRun::Subscription* ClusterRun::latest(const std::string& client, const std::string& topic) {
  Subscription* found = nullptr;
  for (auto& sub : subscriptions_) {
    if (sub->client == client && (topic.empty() || sub->topic == topic)) found = sub.get();
  }
  return found;
}

void ClusterRun::expect(const Event& event) {
  const Expectation& e = event.expect;
  const Client& client = clients_[event.client];
  Subscription* sub = latest(event.client, event.topic);
  std::string problem;
  auto count = [&e](std::uint64_t value) -> std::string {
    const bool ok = e.compare == Expectation::Compare::kEqual     ? value == e.count
                    : e.compare == Expectation::Compare::kAtLeast ? value >= e.count
                                                                  : value <= e.count;
    return ok ? std::string() : "the count is " + std::to_string(value);
  };
  switch (e.kind) {
    case Expectation::Kind::kReceived:
      problem = count(event.topic.empty() ? client.read : sub != nullptr ? sub->reads.size() : 0);
      break;
    case Expectation::Kind::kPublished: problem = count(client.published); break;
    case Expectation::Kind::kRejected: {
      std::uint64_t rejected = 0;
      for (std::uint64_t n : client.rejected) rejected += n;
      problem = count(e.rejection ? client.rejected[static_cast<std::size_t>(*e.rejection)] : rejected);
      break;
    }
    case Expectation::Kind::kOpen:
      if (sub == nullptr || sub->ended || !sub->handle.active()) problem = event.client + " has no live subscription";
      break;
    case Expectation::Kind::kResumed:
      if (sub == nullptr || !sub->resume) {
        problem = event.client + "'s latest subscription was not told how its resume went";
      } else if (resumeWord(*sub->resume) != e.reason.value_or("")) {
        problem = event.client + " resumed: " + resumeWord(*sub->resume);
      }
      break;
    default: problem = "not judged in a cluster run"; break;
  }
  trace_.write(line("expect").add("line", event.line).add("ok", problem.empty()));
  if (!problem.empty()) fail("expectation", "expected '" + formatEvent(event) + "', but " + problem, event.line);
}

void ClusterRun::fail(std::string invariant, std::string detail, int line) {
  if (violation_) return;
  violation_ = Violation{std::move(invariant), std::move(detail), 0};
  violationLine_ = line != 0 ? line : currentLine_;
}

void ClusterRun::judge(RunResult& result) {
  readQueues();
  for (const auto& sub : subscriptions_) {
    if (violation_) break;
    const bool dropped = !sub->ended && !sub->handle.active();
    // Strict where nothing excuses a loss: live to the end, its node's link never down for
    // longer than the log holds, no restart, not dropped as too slow.
    const bool strict = !sub->ended && !dropped && !sub->lossAllowed;
    std::string problem;
    std::string invariant = "cluster-order";
    if (sub->resumeAfter && sub->resume && strict) {
      invariant = "cluster-resume";
      problem = checker_.resumed(sub->topic, sub->resumeAfter->second, sub->resumeAfter->first, *sub->resume,
                                 sub->reads, scenario_.settings.history);
    } else if (strict && !sub->resumeAfter) {
      invariant = "cluster-no-loss";
      problem = checker_.keptUp(sub->topic, sub->since, sub->reads);
    } else {
      problem = checker_.inOrder(sub->topic, sub->reads);
    }
    if (!problem.empty()) {
      fail(invariant,
           sub->client + " on node " + std::to_string(sub->node) + " (subscribed at line " + std::to_string(sub->line) +
               "): " + problem,
           sub->line);
    }
  }
  stats_.virtualTime = clock_.now().time_since_epoch();
  trace_.write(line("end").add("steps", stats_.steps));
  if (!violation_ && stats_.steps >= options_.stepsMax) {
    fail("bounded", "the run did not settle within " + std::to_string(options_.stepsMax) + " executor tasks", 0);
  }
  if (violation_) {
    result.violation = violation_;
    result.line = violationLine_;
    for (const Event& event : scenario_.events) {
      if (event.line == result.line) result.lineText = formatEvent(event);
    }
    trace_.write(line("violation")
                     .add("invariant", violation_->invariant)
                     .add("detail", violation_->detail)
                     .add("line", result.line));
  }
  result.traceHash = trace_.hash();
  result.traceLines = trace_.lines();
  result.stats = stats_;
}

}  // namespace spread::sim
