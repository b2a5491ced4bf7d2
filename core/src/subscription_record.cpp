#include "subscription_record.h"

#include <utility>

#include "topic_impl.h"

namespace spread::core {

SubscriptionRecord::SubscriptionRecord(std::shared_ptr<Subscriber> subscriber,
                                       std::weak_ptr<TopicImpl> topic)
    : subscriber_(std::move(subscriber)), topic_(std::move(topic)) {}

std::optional<BatchDelivery> SubscriptionRecord::deliverAll(std::span<const MessagePtr> messages) {
  std::lock_guard lock(deliveryMutex_);
  if (!active()) return std::nullopt;
  // A handler that unsubscribes itself makes end() let go of the subscriber mid-call;
  // this copy keeps it alive until the call returns.
  const std::shared_ptr<Subscriber> subscriber = subscriber_;
  BatchDelivery total;
  while (total.accepted < messages.size() && active()) {
    const BatchDelivery part = subscriber->deliverAll(messages.subspan(total.accepted));
    total.accepted += part.accepted;
    if (part.outcome != Delivery::kAccepted) {
      total.outcome = part.outcome;
      break;
    }
    if (part.accepted == 0) break;  // a subscriber that takes nothing and refuses nothing
  }
  return total;
}

bool SubscriptionRecord::end(CloseReason reason) {
  std::shared_ptr<Subscriber> subscriber;
  {
    std::lock_guard lock(deliveryMutex_);
    if (!active()) return false;
    state_.store(State::kEnded, std::memory_order_release);
    subscriber = std::move(subscriber_);
  }
  // Outside the lock: a subscriber's close() may wait for its own work (an async handler
  // finishing a call), and that work may be trying to unsubscribe.
  subscriber->close(reason);
  subscriber->whenFinished([self = shared_from_this()] { self->finish(); });
  return true;
}

void SubscriptionRecord::finish() {
  // Set before the topic is told, so that a close collecting the subscriptions it must wait
  // for either sees this one finished or hears of it afterwards.
  state_.store(State::kFinished, std::memory_order_release);
  if (auto topic = topic_.lock()) topic->subscriptionFinished(this);
}

bool SubscriptionRecord::unsubscribe() {
  if (!end(CloseReason::kUnsubscribed)) return false;
  if (auto topic = topic_.lock()) topic->forget(this);
  return true;
}

}  // namespace spread::core
