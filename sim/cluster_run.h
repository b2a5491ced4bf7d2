#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster_checker.h"
#include "scenario.h"
#include "sim_backplane.h"
#include "simulator.h"
#include "spread/core/broker.h"
#include "spread/core/cluster_engine.h"
#include "spread/core/manual_executor.h"
#include "spread/core/queue_subscriber.h"
#include "trace.h"

namespace spread::sim {

/// One run of a cluster scenario (`set nodes 2|3`, internal to the simulator): 2 or 3
/// nodes, each a real Broker fed by a real ClusterEngine, sharing one SimBackplane, clock
/// and executor. A client uses one node: it subscribes there (a queue read as soon as
/// anything reaches it) and publishes through that node's engine, as PublishService does.
/// Not yet through the sim transport's WebSocket sessions: the cluster's guarantees are
/// judged where the engine and the broker give them. ClusterChecker judges every
/// subscription against every entry the log took; link and backplane lines change the
/// SimBackplane.
class ClusterRun {
 public:
  ClusterRun(const Scenario& scenario, const RunOptions& options);
  ~ClusterRun();
  RunResult execute();

 private:
  struct Node;
  struct Subscription {
    std::string client;
    std::string topic;
    int node = 1;
    int line = 0;
    std::shared_ptr<core::QueueSubscriber> queue;
    core::SubscriptionHandle handle;
    std::size_t since = 0;  // ClusterChecker::position() when it subscribed
    std::optional<std::pair<std::uint64_t, std::uint64_t>> resumeAfter;  // offset, epoch
    std::optional<core::ResumeOutcome> resume;
    std::vector<ClusterChecker::Read> reads;
    std::uint64_t lastEpoch = 0;  // the topic's epoch when it read its last message
    bool ended = false;
    bool lossAllowed = false;  // its node's link was down longer than the log holds, the log was
                               // lost with entries in flight to it, or it started from history
  };
  struct Client {
    int node = 1;
    std::uint64_t read = 0;
    std::uint64_t published = 0;
    RejectionCounts rejected{};
  };

  void play();
  void apply(const Event& event);
  void publish(const std::string& client, const std::string& topic, const std::string& body, int line);
  void subscribe(const Event& event);
  void expect(const Event& event);
  void linkDown(int node);
  /// Takes what reached every live subscription's queue, as a client reads.
  void readQueues();
  void judge(RunResult& result);
  void fail(std::string invariant, std::string detail, int line);
  Subscription* latest(const std::string& client, const std::string& topic);
  TraceLine line(std::string_view event) const { return TraceLine(clock_.now(), event); }

  const Scenario& scenario_;
  const RunOptions& options_;
  Trace trace_;
  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  std::unique_ptr<SimBackplane> backplane_;
  ClusterChecker checker_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::string, Client> clients_;
  std::vector<std::unique_ptr<Subscription>> subscriptions_;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> lastRead_;  // client/topic -> offset, epoch
  std::map<int, std::size_t> downSince_;  // node -> ClusterChecker::position() summed when its link went down
  std::optional<Violation> violation_;
  int violationLine_ = 0;
  int currentLine_ = 0;
  RunStats stats_;
};

}  // namespace spread::sim
