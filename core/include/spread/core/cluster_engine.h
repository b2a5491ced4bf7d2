#pragma once

#include <cstddef>
#include <cstdint>
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
  /// A topic's backlog (taken, not yet fanned out) beyond which the feed is left in the
  /// log and read back once the backlog is under it again: the bound on what other nodes'
  /// publishers make this node hold.
  std::size_t backlogMax = 4096;
  /// How long a warm-up or a gap fill may wait for the backplane before the topic goes on
  /// without it (warm-up: subscriptions waiting for history are told it is unavailable).
  Duration readDeadline = std::chrono::seconds(2);
  /// How often a topic that is behind (over backlogMax, or whose fill failed) tries again.
  Duration retryDelay = std::chrono::milliseconds(20);
};

/// The engine of a node in a cluster: a published message is appended to its topic's log
/// in the Backplane, which numbers it and sends it to every node following the topic; each
/// node feeds what arrives to its own topic, which fans it out locally, encoded once. A node
/// follows exactly the topics it has (those with local subscribers, and lingering ones).
///
/// Guarantees built on the backplane's: entries reach a topic in offset order, none twice;
/// a gap in the feed (entries missed while the link was down, or left in the log while the
/// topic was behind) is read back from the log and fed in order before what follows it; a
/// gap the log no longer covers is fed as a jump, which TopicFeed::ingest makes visible to
/// resuming subscribers. A new topic reads the log's tail into its history first, so that any
/// node can serve a resume. Thread-safe.
class ClusterEngine final : public Engine, public TopicFeeder, public BackplaneListener {
 public:
  ClusterEngine(Backplane& backplane, Clock& clock, Executor& executor, ClusterEngineOptions options = {});
  ~ClusterEngine() override;

  /// Starts the backplane; call before the broker's first topic.
  void start();
  /// Stops the backplane: later publishes are kUnavailable.
  void stop();

  // Engine
  void publish(std::string_view name, Payload payload, Duration waitMax, PublishCallback done) override;
  EngineHealth health() const override;

  // TopicFeeder
  void topicCreated(const std::shared_ptr<TopicFeed>& feed) override;
  void topicFreed(std::string_view name) override;

  // BackplaneListener
  void onEntry(std::string_view topic, std::uint64_t epoch, LogEntry entry) override;
  void onFollowing(std::string_view topic) override;
  void onAvailability(bool available, std::string problem) override;

 private:
  struct TopicState;
  class Lifetime;

  std::shared_ptr<TopicState> stateOf(std::string_view name) const;
  // Feeds what can be fed now: buffered entries in order, or starts a read for a gap.
  void advance(const std::shared_ptr<TopicState>& state);
  void startRead(const std::shared_ptr<TopicState>& state);
  void readDone(const std::shared_ptr<TopicState>& state, std::uint64_t reading, LogRead read);
  void warm(const std::shared_ptr<TopicState>& state);
  void retryLater(const std::shared_ptr<TopicState>& state);

  Backplane& backplane_;
  Clock& clock_;
  Executor& executor_;
  const ClusterEngineOptions options_;
  const std::shared_ptr<Lifetime> lifetime_;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<TopicState>, std::less<>> topics_;
  EngineHealth health_{false, "the engine has not started"};
  bool stopped_ = false;
};

}  // namespace spread::core
