#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/clock.h"
#include "spread/core/executor.h"
#include "spread/core/injected_faults.h"
#include "spread/core/topic_feed.h"
#include "spread/core/topic_registry.h"

namespace spread::core {

class TopicImpl;

struct TopicOptions {
  /// Messages a topic holds between acceptance and fan-out. Beyond it, tryPublish()
  /// answers kBusy and publish() waits.
  std::size_t inboundMessagesMax = 1024;
  /// Messages fanned out per executor task before the topic yields to other work; also the
  /// most handed to one subscriber in one Subscriber::deliverAll call.
  std::size_t fanoutBatchMax = 64;
  /// The longest a newly accepted message may expect to wait for its fan-out, measured on the
  /// broker's Clock (see DeliveryPace in the core's sources): a publish that would wait longer
  /// is treated as if the inbound queue were full. A message that finds nothing queued or
  /// being fanned out is always admitted. Zero (the library's default) bounds the queue by
  /// count only; the daemon sets broker.deliveryDelayTargetMs.
  Duration deliveryDelayTarget = Duration::zero();
  /// Accepted messages kept for subscribers that start from an offset or ask for the last N
  /// (SubscribeFrom). Zero (the library's default) keeps none, and the topic behaves as it
  /// did before history existed. History shares the accepted messages: no copy.
  std::size_t historySize = 0;
  /// Messages older than this on the broker's Clock leave the history (checked when a
  /// message is appended and when history is read: no timer). Zero: no age bound.
  Duration historyTtl = Duration::zero();
  /// The most bytes (Message::bytes()) the history of one topic holds: the oldest messages
  /// go first to stay within it. Zero: bounded by historySize alone.
  std::size_t historyBytesMax = 0;
  /// Called once per accepted message while history is kept, before anyone sees it, to
  /// write the message's position (offset and epoch) into its bytes in the transports' wire
  /// format: so a position is encoded once per message, never once per subscriber. Null:
  /// bytes stay as published.
  void (*stampPosition)(std::string& bytes, std::uint64_t offset, std::uint64_t epoch) = nullptr;
};

struct BrokerOptions {
  /// Topics that may exist at once, not counting reservedTopic. Idle topics are freed (see
  /// Broker), so this bounds the rooms in use, not the names ever used.
  std::size_t topicsMax = 1024;
  TopicOptions topic;
  /// How long an idle topic is kept after it lost its last subscriber (or was created, if
  /// nobody subscribed), so that a client coming back finds the same topic. Zero frees it
  /// on the executor's next turn.
  Duration topicLinger = std::chrono::seconds(1);
  /// A topic name that never counts against topicsMax and can always be created, so that it
  /// can never be locked out by other names. Empty: none. The daemon passes its default topic.
  std::string reservedTopic{};  // braces: designated initializers may leave it out silently
  /// Deliberate bugs for the simulator's tests, handed to every topic; must outlive the
  /// broker. Null (none) everywhere else: the daemon never sets it.
  const InjectedFaults* faults = nullptr;
  /// Mixed with a per-broker counter into each topic's epoch, so that epochs differ across
  /// topic re-creations and, with a fresh seed, across processes. The daemon takes it from
  /// the kernel's randomness; the simulator from its seed, so runs repeat.
  std::uint64_t epochSeed = 0;
  /// The engine that numbers and feeds this broker's topics (ClusterEngine), or null: the
  /// topics number what is published to them (InProcessEngine). Must outlive the broker.
  TopicFeeder* feeder = nullptr;
};

/// The topic registry behind TopicRegistry. Owns its topics; runs their fan-out on the
/// given Executor and stamps messages with the given Clock. Both must outlive the broker
/// and every task it posted. Thread-safe.
///
/// Freeing topics. A topic is idle when it has no subscriber, holds no accepted message,
/// has no fan-out task scheduled or running, no publish waiting for room and no close in
/// progress, and nobody outside the broker holds a pointer to it (a caller that keeps a
/// Topic keeps it registered, so one name never means two topics). The broker frees a topic
/// once it has been idle and without subscribers for options().topicLinger:
///  - when a topic loses its last subscriber, finishes a close, or finishes fanning out with
///    nobody left, the broker posts one sweep after topicLinger (if none is pending); the
///    sweep frees every topic that is due, and re-arms for the next one that will be;
///  - if a topic without subscribers is still held or busy, the sweep looks again after
///    max(topicLinger, kSweepRetryDelayMin), at most kSweepRetriesMax times in a row; then it
///    waits for the next event above. So after the last event at most 1 + kSweepRetriesMax
///    sweeps run, plus one per lingering topic: no timer runs forever;
///  - topic() about to refuse a new name for the limit first frees every idle topic at once,
///    linger or not, so an idle name never keeps a live one out. That sweep visits every
///    topic (at most topicsMax + 1) under the broker's lock.
/// A freed topic is gone: find() returns null and topic() creates a fresh one, whose
/// sequence numbers start again at 1, with an empty history and a new epoch.
class Broker final : public TopicRegistry {
 public:
  /// A sweep that finds a topic without subscribers still held or busy looks again this
  /// many times in a row before it waits for the next topic event.
  static constexpr std::size_t kSweepRetriesMax = 8;
  /// The least delay before such a second look, so that a zero linger does not spin.
  static constexpr Duration kSweepRetryDelayMin = std::chrono::milliseconds(10);

  Broker(Clock& clock, Executor& executor, BrokerOptions options = {});
  ~Broker() override;

  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  TopicLookup topic(std::string_view name) override;
  std::shared_ptr<Topic> find(std::string_view name) const override;
  std::vector<std::string> topicNames() const override;
  void closeTopic(std::string_view name, Duration deadline, CloseCallback done) override;
  void shutdown(Duration grace, CloseCallback done) override;

  Clock& clock() const { return clock_; }
  Executor& executor() const { return executor_; }
  const BrokerOptions& options() const { return options_; }

 private:
  // Lets topics and sweep tasks, which may outlive the broker, reach it only while it lives.
  class Link;
  using TopicList = std::vector<std::shared_ptr<TopicImpl>>;
  struct SweepResult {
    std::optional<TimePoint> nextDue;  // when the next lingering topic is due
    bool waiting = false;              // a topic without subscribers is held or busy
  };

  // topic() under the lock; `created` is set when it made one.
  TopicLookup lookUpOrCreate(std::string_view name, TopicList& freed, std::shared_ptr<TopicImpl>& created);
  // Tells the feeder, if any, which topics went and which came. Called without the lock.
  void tellFeeder(const TopicList& freed, const std::shared_ptr<TopicImpl>& created) const;
  // A topic may have become idle: makes sure a sweep is pending.
  void topicQuiet();
  // The sweep task: frees what is due and re-arms as documented above.
  void sweep();
  // Posts the sweep task after `delay`; `arming` tells a stale timer id from the current one.
  void armSweep(Duration delay, std::uint64_t arming);
  // REQUIRES: mutex_ held. Moves every idle topic (due after its linger, unless
  // `ignoreLinger`) out of topics_ into `freed`, for the caller to release after unlocking.
  SweepResult sweepLocked(bool ignoreLinger, TopicList& freed);
  // REQUIRES: mutex_ held. Topics that count against topicsMax.
  std::size_t countedTopicsLocked() const;
  bool isReserved(std::string_view name) const;

  Clock& clock_;
  Executor& executor_;
  const BrokerOptions options_;
  const std::shared_ptr<Link> link_;

  mutable std::mutex mutex_;
  bool shuttingDown_ = false;
  std::map<std::string, std::shared_ptr<TopicImpl>, std::less<>> topics_;
  // Topics closeTopic() took out of topics_ whose close has not finished yet; shutdown()
  // waits for them too. Pruned when a topic reports it may be idle (its close finished).
  TopicList closingTopics_;
  // Topics shutdown() took out of topics_, kept so that a later shutdown() waits for them.
  TopicList shutDownTopics_;
  bool sweepPending_ = false;
  std::uint64_t sweepArming_ = 0;
  std::uint64_t topicsCreated_ = 0;  // mixed into each new topic's epoch
  TimerId sweepTimer_ = TimerId::kNone;
  std::size_t sweepRetries_ = 0;
};

}  // namespace spread::core
