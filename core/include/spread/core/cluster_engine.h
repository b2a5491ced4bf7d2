#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/backplane.h"
#include "spread/core/clock.h"
#include "spread/core/engine.h"
#include "spread/core/executor.h"
#include "spread/core/topic_feed.h"

namespace spread::core {

struct ClusterEngineOptions {
  /// Entries read back from the log when a topic is created on this node, so that it can
  /// serve a resume at once (the daemon passes history.size). Zero: none.
  std::size_t warmEntriesMax = 0;
  /// Entries read back in one go to fill a gap in the feed (after the link came back).
  std::size_t fillEntriesMax = 1024;
  /// A topic's backlog (taken, not yet fanned out) beyond which this node's publishes to it
  /// are answered kBusy (as they are when the topic's own TopicOptions would refuse them:
  /// TopicFeed::hasRoom) and the feed waits in the log (read back once the backlog is under
  /// it again): the bound on what other nodes' publishers make this node hold. Also the
  /// most entries held per topic while a read is in flight; beyond, they are read back later.
  std::size_t backlogMax = 4096;
  /// How long a warm-up may wait for the backplane before subscriptions waiting for history
  /// are told it is unavailable and go on live.
  Duration warmDeadline = std::chrono::seconds(2);
  /// How soon a topic that is behind (over backlogMax, or whose read failed) tries again.
  Duration retryDelay = std::chrono::milliseconds(20);
};

/// The engine of a node in a cluster: a published message is appended to its topic's log
/// in the Backplane, which numbers it and sends it to every node following the topic; each
/// node feeds what arrives to its own topic, which fans it out locally, encoded once. A node
/// follows exactly the topics it has (those with local subscribers, and lingering ones).
///
/// What it adds to the backplane: entries reach a topic in offset order and none twice; a
/// gap in the feed (entries missed while the link was down, or left in the log while the
/// topic was behind) is read back from the log and fed, in order, before what follows it; a
/// gap the log no longer covers is fed as a jump, which TopicFeed::ingest makes visible to
/// resuming subscribers. A new topic reads the log's tail into its history first, so any
/// node can serve a resume. What the feed brings once the topic has been followed is live
/// for the subscribers already there, even if the tail read has it too; and this node's own
/// publishes to a topic whose feed is not yet confirmed are held until it is, so that they
/// come back through the feed to the subscribers that were here first. Publishing while the
/// backplane is unavailable is refused (kUnavailable), never accepted and lost. Thread-safe.
class ClusterEngine final : public Engine, public TopicFeeder, public BackplaneListener {
 public:
  ClusterEngine(Backplane& backplane, Clock& clock, Executor& executor, ClusterEngineOptions options = {});
  ~ClusterEngine() override;

  ClusterEngine(const ClusterEngine&) = delete;
  ClusterEngine& operator=(const ClusterEngine&) = delete;

  /// Starts the backplane; call before the broker's first topic.
  void start();
  /// Stops the backplane: later publishes are kUnavailable.
  void stop();

  // Engine
  void publish(std::string_view name, Payload payload, Duration waitMax, PublishCallback done) override;
  EngineHealth health() const override;

  // TopicFeeder
  void topicCreated(const std::shared_ptr<TopicFeed>& feed) override;
  void topicFreed(const TopicFeed& feed) override;

  // BackplaneListener
  void onEntry(std::string_view topic, std::uint64_t epoch, LogEntry entry) override;
  void onFollowing(std::string_view topic) override;
  void onAvailability(bool available, std::string problem) override;

 private:
  struct TopicState;
  struct Lifetime;
  using StatePtr = std::shared_ptr<TopicState>;
  // Backplane calls made after the engine's lock is let go, so that a backplane may call
  // back on any thread without meeting it held.
  using Calls = std::vector<std::function<void()>>;

  void append(std::string_view name, std::string bytes, PublishCallback done);
  // REQUIRES: mutex_ held. The feed of `state` is confirmed (or given up on): publishes
  // held until then are appended, after the lock is let go.
  void releaseEarlyLocked(const StatePtr& state, Calls& calls);
  // REQUIRES: mutex_ held. Feeds what can be fed now, in order; starts a read for a gap.
  void advanceLocked(const StatePtr& state, Calls& calls);
  // REQUIRES: mutex_ held.
  void startReadLocked(const StatePtr& state, bool warming, Calls& calls);
  void readDone(const StatePtr& state, std::uint64_t reading, LogRead read);
  void retryLater(const StatePtr& state);
  void advance(const StatePtr& state);
  void giveUpWarming(const StatePtr& state);
  // A task on the executor that reaches the engine only while it lives.
  void schedule(Duration delay, std::function<void(ClusterEngine&)> task);

  Backplane& backplane_;
  Clock& clock_;
  Executor& executor_;
  const ClusterEngineOptions options_;
  const std::shared_ptr<Lifetime> lifetime_;

  mutable std::mutex mutex_;
  std::map<std::string, StatePtr, std::less<>> topics_;
  EngineHealth health_{false, "the cluster engine has not connected yet"};
  bool stopped_ = false;
  std::uint64_t nextRead_ = 1;
};

}  // namespace spread::core
