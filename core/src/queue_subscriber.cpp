#include "spread/core/queue_subscriber.h"

#include <utility>

namespace spread::core {

QueueSubscriber::QueueSubscriber(QueueLimits limits, const InjectedFaults* faults)
    : limits_(limits), faults_(faults) {}

bool QueueSubscriber::pushLocked(const MessagePtr& message) {
  const std::size_t size = message->bytes().size();
  const bool empty = queue_.empty();
  const bool full = queue_.size() >= limits_.messagesMax || (!empty && bytes_ + size > limits_.bytesMax);
  // The injected fault is looked at only once the queue is full: it takes the message anyway.
  if (full && !(faults_ != nullptr && faults_->queueForgetsBound)) return false;
  queue_.push(message);
  bytes_ += size;
  return true;
}

Delivery QueueSubscriber::deliver(const MessagePtr& message) {
  return deliverAll(std::span<const MessagePtr>(&message, 1)).outcome;
}

BatchDelivery QueueSubscriber::deliverAll(std::span<const MessagePtr> messages) {
  BatchDelivery result;
  std::shared_ptr<const Wakeup> wakeup;
  {
    std::lock_guard lock(mutex_);
    // Late deliveries after the close are ignored, and count as taken.
    if (closeReason_) return BatchDelivery{messages.size(), Delivery::kAccepted};
    const bool wasEmpty = queue_.empty();
    for (const MessagePtr& message : messages) {
      if (!pushLocked(message)) {
        result.outcome = Delivery::kFull;
        break;
      }
      ++result.accepted;
    }
    if (wasEmpty && result.accepted > 0) wakeup = wakeup_;
  }
  // Woken once for the lot, after they are all queued: a reader that pumps right here sends
  // them together.
  if (wakeup) (*wakeup)();
  return result;
}

void QueueSubscriber::close(CloseReason reason) {
  std::shared_ptr<const Wakeup> wakeup;
  {
    std::lock_guard lock(mutex_);
    if (closeReason_) return;
    closeReason_ = reason;
    wakeup = wakeup_;
  }
  if (wakeup) (*wakeup)();
}

std::vector<MessagePtr> QueueSubscriber::popUpTo(std::size_t countMax, std::size_t bytesMax) {
  std::lock_guard lock(mutex_);
  std::vector<MessagePtr> out;
  const std::size_t count = std::min(countMax, queue_.size());
  out.reserve(count);
  std::size_t taken = 0;
  for (std::size_t i = 0; i < count && taken < bytesMax; ++i) {
    const std::size_t size = queue_.front()->bytes().size();
    taken += size;
    bytes_ -= size;
    out.push_back(queue_.pop());
  }
  return out;
}

std::optional<MessagePtr> QueueSubscriber::tryPop() {
  auto popped = popUpTo(1);
  if (popped.empty()) return std::nullopt;
  return std::move(popped.front());
}

void QueueSubscriber::discard() {
  std::lock_guard lock(mutex_);
  queue_.clear();
  bytes_ = 0;
}

std::optional<CloseReason> QueueSubscriber::closeReason() const {
  std::lock_guard lock(mutex_);
  return closeReason_;
}

std::size_t QueueSubscriber::size() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::size_t QueueSubscriber::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

void QueueSubscriber::setWakeup(Wakeup wakeup) {
  std::lock_guard lock(mutex_);
  wakeup_ = wakeup ? std::make_shared<const Wakeup>(std::move(wakeup)) : nullptr;
}

}  // namespace spread::core
