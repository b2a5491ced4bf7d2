#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "spread/core/broker.h"
#include "delivery_pace.h"
#include "spread/core/topic.h"
#include "spread/core/topic_feed.h"
#include "subscription_record.h"
#include "topic_history.h"

namespace spread::core {

/// The topic behind the Topic interface. Publishers append to a bounded inbound queue;
/// one drain task at a time (so order is kept) fans messages out on the executor to a
/// copy-on-write snapshot of the subscriber list, so subscribing and unsubscribing never
/// wait for a fan-out and a fan-out never holds the topic lock while it delivers.
///
/// A fed topic (one with a TopicFeeder: a cluster's) numbers nothing itself: what is
/// published to it goes to the feeder, and what the feeder ingests is fanned out as if it
/// had been accepted here (topic_impl_feed.cpp). It starts warming: a subscription asking
/// for history is held, getting nothing, until warmed() brings the log's older entries.
class TopicImpl final : public Topic, public TopicFeed, public std::enable_shared_from_this<TopicImpl> {
 public:
  /// Called, with no lock of the topic held, whenever the topic may have become idle: it lost
  /// its last subscriber, finished a close, or finished fanning out with nobody subscribed.
  using QuietCallback = std::function<void()>;

  /// What the broker's sweep needs to know to free the topic.
  struct Activity {
    bool subscribed = false;  // someone subscribes
    bool working = false;     // messages to fan out, a drain task, a waiting publish or a close
    TimePoint quietSince;     // when it last lost its last subscriber, or was created
  };

  /// `faults`: deliberate bugs for the simulator's tests (see InjectedFaults), or null.
  /// `epoch`: this topic's (Topic::epoch()), chosen by the broker.
  /// `feeder`: the engine that feeds this topic, or null (the topic numbers what it accepts).
  TopicImpl(std::string name, const TopicOptions& options, Clock& clock, Executor& executor,
            QuietCallback onQuiet = {}, const InjectedFaults* faults = nullptr, std::uint64_t epoch = 0,
            TopicFeeder* feeder = nullptr);

  const std::string& name() const override { return name_; }
  PublishOutcome tryPublish(Payload payload) override;
  void publish(Payload payload, Duration waitMax, PublishCallback done) override;
  using Topic::subscribe;
  SubscribeResult subscribe(std::shared_ptr<Subscriber> subscriber, const SubscribeFrom& from) override;
  std::uint64_t epoch() const override { return epoch_.load(std::memory_order_relaxed); }
  std::uint64_t lastOffset() const override;
  std::size_t backlog() const override;
  bool hasRoom() const override;
  void ingest(std::uint64_t epoch, std::vector<LogEntry> entries) override;
  void warmed(std::uint64_t epoch, std::vector<LogEntry> older, bool available) override;
  void close(Duration deadline, CloseCallback done) override;
  bool closed() const override;
  TopicStats stats() const override;

  /// Removes an ended subscription from the fan-out list.
  void forget(const SubscriptionRecord* record);

  /// Told by every subscription once its subscriber finished (Subscriber::whenFinished);
  /// a close waits for the ones it ended.
  void subscriptionFinished(const SubscriptionRecord* record);

  Activity activity() const;

  /// Its close has completed (or it was abandoned): nothing of it runs any more.
  bool closeFinished() const;

 private:
  // kClosing: fanning out what was accepted; kFinishing: its subscribers were closed and
  // some have not finished yet.
  enum class State { kOpen, kClosing, kFinishing, kClosed };
  using RecordList = std::vector<std::shared_ptr<SubscriptionRecord>>;

  struct WaitingPublish {
    std::uint64_t id = 0;
    Payload payload;
    PublishCallback done;
    TimerId timer = TimerId::kNone;
  };
  struct WaitingClose {
    std::uint64_t id;
    CloseCallback done;
    TimerId timer = TimerId::kNone;
  };

  // What a new subscription is owed from history, handed over by the drain before any live
  // message reaches it.
  struct Replay {
    std::shared_ptr<SubscriptionRecord> record;
    std::vector<MessagePtr> messages;
    std::function<void()> announce;  // a held subscription's SubscribeFrom::decided, run first
  };
  // A subscription asking for history while a fed topic warms: in the fan-out list, but
  // starting at no offset until warmed() decides where.
  struct Held {
    std::shared_ptr<SubscriptionRecord> record;
    SubscribeFrom from;
  };
  // A subscription that starts after offset `after`, which the topic's history reaches but
  // its feed has not yet brought (a fed topic just warmed: the log's tail read ran ahead of
  // the feed): it starts at the first fed message past `after`.
  struct Awaiting {
    std::shared_ptr<SubscriptionRecord> record;
    std::uint64_t after;
  };

  // REQUIRES: mutex_ held. The next message, numbered, stamped and kept in history. Its
  // offset is its sequence, unless a fed topic gives the log's (`offset` not zero).
  MessagePtr makeMessageLocked(Payload&& payload, std::uint64_t offset = 0);
  // REQUIRES: mutex_ held. A fed topic takes `entry` as the next message; returns true if
  // the caller must post the drain task.
  bool ingestLocked(LogEntry&& entry);
  // REQUIRES: mutex_ held. Offsets start over in `epoch`: history goes. Subscriptions are
  // untouched: they start by sequence, which never starts over.
  void adoptEpochLocked(std::uint64_t epoch);
  // REQUIRES: mutex_ held. Puts `older` into history ahead of what it holds, where it joins.
  void prependHistoryLocked(std::vector<LogEntry>& older);
  // REQUIRES: mutex_ held. Decides every held subscription now; returns true if the caller
  // must post the drain task.
  bool decideHeldLocked(bool available);
  // REQUIRES: mutex_ held. The newest offset the topic knows of: fed, or in history.
  std::uint64_t knownOffsetLocked() const { return std::max(lastOffset_, history_.newestOffset()); }
  // REQUIRES: mutex_ held. Makes `record` start with what follows offset `after`.
  void startAfterLocked(const std::shared_ptr<SubscriptionRecord>& record, std::uint64_t after);
  // REQUIRES: mutex_ held. `message` was just fed: awaiting subscriptions it is past start with it.
  void startAwaitingLocked(const Message& message);
  // REQUIRES: mutex_ held and room in the inbound queue.
  void appendLocked(Payload&& payload);
  // Hands each replay to its subscriber, as fanOut does a batch; called by the drain.
  void deliverReplays(std::vector<Replay>& replays);
  // REQUIRES: mutex_ held and room in the inbound queue. Accepts `payload`; returns true if
  // the caller must post the drain task (after releasing the lock).
  bool acceptLocked(Payload&& payload);
  // REQUIRES: mutex_ held. Returns true if the caller must post the drain task (after
  // releasing the lock): at most one is pending or running at a time, which keeps order.
  bool claimDrainLocked();
  // REQUIRES: mutex_ held. Room for one more message: under the count bound, and within the
  // delivery-delay target.
  bool hasRoomLocked() const;
  // Called by the drain (which holds the claim) without the lock: queues waiting publishes,
  // first come first, while there is room, and tells each.
  void admitWaiting();
  // Posts the drain task; if the executor refuses it, abandons the topic.
  void postDrain();
  // The executor refused the fan-out: ends the topic at once, losing what is not fanned out
  // and telling the subscribers so (CloseReason::kAbandoned).
  void abandon();
  void notifyQuiet() const;
  void drain();
  // Hands `batch` (in sequence order) to each of `targets`, as much of it as is theirs.
  void fanOut(std::span<const MessagePtr> batch, const RecordList& targets);
  // REQUIRES: mutex_ held. Makes subscribers_ this topic's alone, copying it if a fan-out
  // may be reading it, so that it can be changed in place.
  void ownSubscribersLocked();
  // Closes every subscriber (kGoingAway, or kAbandoned) and waits for them to finish.
  void finishClose();
  // Reports the close once every subscriber it closed has finished.
  void completeCloseIfFinished();
  void expirePublish(std::uint64_t id);
  void expireClose(std::uint64_t id);

  const std::string name_;
  const TopicOptions options_;
  Clock& clock_;
  Executor& executor_;
  const QuietCallback onQuiet_;
  const InjectedFaults* const faults_;
  TopicFeeder* const feeder_;
  std::atomic<std::uint64_t> epoch_;  // written under mutex_, by a fed topic only

  mutable std::mutex mutex_;
  State state_ = State::kOpen;
  std::deque<MessagePtr> inbound_;
  TopicHistory history_;
  // Subscriptions whose replay the drain has not yet handed over; they get no live message
  // before it, because the drain takes these before it takes the next batch.
  std::vector<Replay> pendingReplays_;
  bool warming_ = false;    // a fed topic until warmed()
  std::vector<Held> held_;  // while warming_
  std::vector<Awaiting> awaiting_;
  // What the running drain took to fan out; only the drain holding the claim touches it
  // (never after letting the claim go), so it needs no lock, and it is reused so that a
  // batch allocates nothing.
  std::vector<MessagePtr> batch_;
  DeliveryPace pace_;
  std::deque<WaitingPublish> waitingPublishes_;
  std::vector<WaitingClose> waitingCloses_;
  // Copied on write, but only while a fan-out may be reading it (subscribersShared_: the
  // drain took it as its targets since it was last copied), so joining and leaving cost
  // O(1) and O(n) without an allocation on a topic that is not fanning out: a server
  // accepting 10,000 subscribers no longer copies the list 10,000 times.
  std::shared_ptr<RecordList> subscribers_;
  bool subscribersShared_ = false;
  RecordList finishing_;  // closed by the close and not yet finished
  bool abandoned_ = false;
  bool drainScheduled_ = false;
  TimePoint quietSince_;
  std::uint64_t nextSequence_ = 1;
  std::uint64_t lastOffset_ = 0;  // of the last message accepted (or ingested); 0: none yet
  std::uint64_t nextWaiterId_ = 1;

  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> rejectedBusy_{0};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> slowConsumersDropped_{0};
};

}  // namespace spread::core
