#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "spread/core/publisher.h"
#include "spread/core/subscribe_from.h"
#include "spread/core/subscriber.h"
#include "spread/core/subscription.h"
#include "spread/core/time.h"

namespace spread::core {

enum class CloseOutcome {
  kCompleted,         // every accepted message was fanned out, every subscriber closed and
                      // finished: no handler of the topic runs any more
  kDeadlineExceeded,  // the deadline passed first; the close still runs to completion
  kAbandoned,         // the executor refused the work (it had stopped): messages accepted but
                      // not yet fanned out were lost, and the subscribers were closed with
                      // CloseReason::kAbandoned, which tells them so; nothing runs any more
};

using CloseCallback = std::function<void(CloseOutcome)>;

struct SubscribeResult {
  enum class Status { kSubscribed, kTopicClosed };
  Status status = Status::kTopicClosed;
  SubscriptionHandle handle;
  /// For SubscribeFrom::after: whether the gap could be filled. Whatever it says, the
  /// subscription continues live.
  ResumeOutcome resume = ResumeOutcome::kNotAsked;
  std::uint64_t epoch = 0;       // the topic's epoch
  std::uint64_t liveAfter = 0;   // the last offset accepted at subscribe time: live ones follow it
  std::uint64_t replayed = 0;    // history messages delivered before the live ones
  bool ok() const { return status == Status::kSubscribed; }
};

struct TopicStats {
  std::uint64_t accepted = 0;      // messages accepted for fan-out
  std::uint64_t rejectedBusy = 0;  // tryPublish() calls answered kBusy
  std::uint64_t delivered = 0;     // deliveries a subscriber accepted
  std::uint64_t slowConsumersDropped = 0;
  std::uint64_t subscribers = 0;   // current
  std::uint64_t inbound = 0;       // accepted, not yet fanned out
  std::uint64_t waitingPublishes = 0;  // publish() calls waiting for room in the inbound queue
  Duration deliveryDelayExpected{0};   // how long a message accepted now would wait for its fan-out
};

/// A named stream of messages of one kind, fanned out to every current subscriber.
/// All methods are thread-safe.
class Topic : public Publisher {
 public:
  virtual const std::string& name() const = 0;

  /// Adds `subscriber`; it receives exactly the messages accepted after this call registered
  /// it, whenever their fan-out runs: none accepted before, even one still waiting for its
  /// fan-out. Fails only when the topic is closing or closed (the subscriber is then never
  /// called).
  SubscribeResult subscribe(std::shared_ptr<Subscriber> subscriber) {
    return subscribe(std::move(subscriber), SubscribeFrom::live());
  }

  /// As above, but first replays from the topic's history (TopicOptions::historySize) what
  /// `from` asks for: the messages up to the last one accepted at this call (L, reported as
  /// liveAfter), delivered through the same Subscriber::deliverAll path and before any live
  /// message (those after L), so that there is no gap and no duplicate. A resume that cannot
  /// be served replays nothing and says why (SubscribeResult::resume); the subscription
  /// then continues live from L + 1 all the same.
  virtual SubscribeResult subscribe(std::shared_ptr<Subscriber> subscriber, const SubscribeFrom& from) = 0;

  /// Names this life of the topic's history: a different value whenever the history was
  /// lost (the topic freed and created again, the process restarted).
  virtual std::uint64_t epoch() const = 0;

  /// Stops accepting messages (later publishes get kTopicClosed, waiting ones too), fans
  /// out every message already accepted, closes every subscriber with kGoingAway, and
  /// waits for each to finish (Subscriber::whenFinished: an async handler first handles
  /// its backlog). `done` runs exactly once:
  ///  - kCompleted when all that is done. From then on no handler of this topic runs, so
  ///    the caller may destroy what the handlers use;
  ///  - kDeadlineExceeded at `deadline` from now if that comes first (or at once if the
  ///    executor refuses the timer). The close goes on, and handlers may still run; call
  ///    close() again to wait for its end;
  ///  - kAbandoned if the executor refused the fan-out (see CloseOutcome).
  /// Closing a closed topic completes at once, with the outcome of its close.
  virtual void close(Duration deadline, CloseCallback done) = 0;

  virtual bool closed() const = 0;
  virtual TopicStats stats() const = 0;
};

}  // namespace spread::core
