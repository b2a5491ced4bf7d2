#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "spread/core/fifo.h"
#include "spread/core/injected_faults.h"
#include "spread/core/subscriber.h"

namespace spread::core {

struct QueueLimits {
  std::size_t messagesMax = 256;
  std::size_t bytesMax = 1 << 20;
};

/// A subscriber with a bounded receive queue, read by whoever owns it (a transport session,
/// a test). A delivery that would exceed either bound is refused, so the topic drops the
/// subscriber as a slow consumer; one message larger than bytesMax is still taken when the
/// queue is empty, so a single big message cannot evict an idle reader.
///
/// Thread-safe: the topic delivers from executor threads while the owner pops from its own.
class QueueSubscriber final : public Subscriber {
 public:
  using Wakeup = std::function<void()>;

  /// `faults`: deliberate bugs for the simulator's tests (see InjectedFaults), or null;
  /// it must outlive the subscriber.
  explicit QueueSubscriber(QueueLimits limits, const InjectedFaults* faults = nullptr);

  Delivery deliver(const MessagePtr& message) override;
  /// Takes what fits under one lock and wakes the reader at most once.
  BatchDelivery deliverAll(std::span<const MessagePtr> messages) override;
  void close(CloseReason reason) override;

  /// Removes and returns up to `countMax` messages, oldest first, stopping once they hold
  /// `bytesMax` bytes or more: the last one taken may pass the budget, so a message larger
  /// than the budget still moves, and fewer than `countMax` messages under the budget means
  /// the queue is empty.
  std::vector<MessagePtr> popUpTo(std::size_t countMax, std::size_t bytesMax = SIZE_MAX);
  std::optional<MessagePtr> tryPop();

  /// Drops everything queued (a session that is being evicted does not flush).
  void discard();

  /// Set once the topic closed this subscription. Messages queued before the close may
  /// still be popped.
  std::optional<CloseReason> closeReason() const;
  std::size_t size() const;
  std::size_t bytes() const;
  const QueueLimits& limits() const { return limits_; }

  /// `wakeup` runs (on the delivering thread, with no lock held) when the queue goes from
  /// empty to non-empty and when the subscription closes. It must not block.
  void setWakeup(Wakeup wakeup);

 private:
  const QueueLimits limits_;
  const InjectedFaults* const faults_;
  // A std::mutex, not a CompactMutex: the fan-out and the session's pump contend for it,
  // and with the server on one core the compact lock raised flat-out fan-out latency 1.6x.
  mutable std::mutex mutex_;
  Fifo<MessagePtr> queue_;  // allocates nothing while the subscriber is idle
  std::size_t bytes_ = 0;
  std::optional<CloseReason> closeReason_;
  // Shared, so a delivery takes a reference under the lock and calls it outside without
  // copying the function (a copy allocates when its captures are large).
  std::shared_ptr<const Wakeup> wakeup_;

  // REQUIRES: mutex_ held and not closed. Queues `message` if the bounds allow.
  bool pushLocked(const MessagePtr& message);
};

}  // namespace spread::core
