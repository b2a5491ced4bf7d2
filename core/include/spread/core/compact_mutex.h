#pragma once

#include <atomic>
#include <cstdint>

namespace spread::core {

/// A mutex in four bytes, for state every connection carries (a std::mutex is 40, so each
/// one saves 36 bytes per connection). Meets Lockable (lock_guard, unique_lock,
/// try_to_lock), is not recursive, and is uncontended in the common case: one
/// compare-exchange to lock, one exchange to unlock. A contended lock sleeps on the word
/// (std::atomic::wait, a futex on Linux, after libstdc++'s brief spin), so a holder that is
/// preempted costs its waiters little CPU. Only for locks held briefly and rarely contended:
/// on the fan-out's queues it raised latency (see queue_subscriber.h).
///
/// The states follow the classic futex mutex: 0 free, 1 held, 2 held with possible waiters,
/// so that an unlock wakes somebody only when somebody may be asleep. The acquire on lock
/// and release on unlock are what order the guarded data, which is also how ThreadSanitizer
/// sees them.
class CompactMutex {
 public:
  CompactMutex() = default;
  CompactMutex(const CompactMutex&) = delete;
  CompactMutex& operator=(const CompactMutex&) = delete;

  void lock() {
    std::uint32_t expected = kFree;
    if (state_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire, std::memory_order_relaxed)) {
      return;
    }
    lockContended();
  }

  bool try_lock() {
    std::uint32_t expected = kFree;
    return state_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire, std::memory_order_relaxed);
  }

  void unlock() {
    if (state_.exchange(kFree, std::memory_order_release) == kHeldWithWaiters) state_.notify_one();
  }

 private:
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kHeld = 1;
  static constexpr std::uint32_t kHeldWithWaiters = 2;

  void lockContended() {
    // Marking the word "with waiters" before sleeping makes the holder's unlock wake us;
    // whoever takes it this way keeps the mark, which at worst costs one needless wake.
    while (state_.exchange(kHeldWithWaiters, std::memory_order_acquire) != kFree) {
      state_.wait(kHeldWithWaiters, std::memory_order_relaxed);
    }
  }

  std::atomic<std::uint32_t> state_{kFree};
};

}  // namespace spread::core
