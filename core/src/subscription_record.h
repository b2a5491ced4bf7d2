#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "spread/core/subscriber.h"
#include "spread/core/subscription.h"

namespace spread::core {

class TopicImpl;

/// One subscriber's membership of one topic. It is the single place that enforces the
/// Subscriber contract: deliveries never overlap, none starts once the subscription
/// ended, and close() runs exactly once.
class SubscriptionRecord final : public SubscriptionControl,
                                 public std::enable_shared_from_this<SubscriptionRecord> {
 public:
  SubscriptionRecord(std::shared_ptr<Subscriber> subscriber, std::weak_ptr<TopicImpl> topic);

  /// Hands `messages` to the subscriber (Subscriber::deliverAll, as often as it takes) and
  /// returns how many it took and what stopped it; stops early, without offering the rest,
  /// if the subscription ended meanwhile. Returns nullopt, without calling it, if the
  /// subscription already ended.
  std::optional<BatchDelivery> deliverAll(std::span<const MessagePtr> messages);

  /// Ends the subscription with `reason`. Returns false if it had already ended.
  /// Waits for a delivery in progress on another thread; callable from within one.
  /// Lets go of the subscriber, so that a handle kept after the end (even one captured by
  /// the subscriber's own handler) does not keep the subscriber alive. Once the subscriber
  /// has finished (Subscriber::whenFinished) the topic is told.
  bool end(CloseReason reason);

  /// Messages numbered below this were accepted before the subscription was registered and
  /// are not its to receive. Set under the topic's lock: once before it can be offered one,
  /// and again by a fed topic when its warm-up decides a held subscription or its epoch
  /// changes (offsets start over); a fan-out running meanwhile holds only messages that are
  /// not the subscription's under either value, so it may read either.
  void startAt(std::uint64_t firstSequence) { firstSequence_.store(firstSequence, std::memory_order_relaxed); }
  std::uint64_t firstSequence() const { return firstSequence_.load(std::memory_order_relaxed); }

  bool unsubscribe() override;
  bool active() const override { return state_.load(std::memory_order_acquire) == State::kActive; }
  /// Ended, and its subscriber finished: it runs nothing more for the topic.
  bool finished() const { return state_.load(std::memory_order_acquire) == State::kFinished; }

 private:
  enum class State : std::uint8_t { kActive, kEnded, kFinished };

  void finish();

  std::shared_ptr<Subscriber> subscriber_;  // guarded by deliveryMutex_; null once ended
  const std::weak_ptr<TopicImpl> topic_;
  // Recursive so that a handler may unsubscribe itself from inside deliver().
  std::recursive_mutex deliveryMutex_;
  std::atomic<State> state_{State::kActive};
  std::atomic<std::uint64_t> firstSequence_{0};
};

}  // namespace spread::core
