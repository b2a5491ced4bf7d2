#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace spread::core {

/// A mutex in four bytes, for state every connection carries (a std::mutex is 40): with tens
/// of thousands of idle connections, the difference is most of a kilobyte each across the
/// few locks a connection has. Meets Lockable (lock_guard, unique_lock, try_to_lock), is not
/// recursive, and is uncontended in the common case: one compare-exchange to lock, one
/// exchange to unlock. A contended lock sleeps on the word (std::atomic::wait, a futex on
/// Linux) instead of spinning, so a holder that is preempted costs its waiters no CPU.
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

/// CompactMutex made recursive, in 16 bytes (a std::recursive_mutex is 40): for a lock a
/// thread may take again from inside a callback it made while holding it.
class CompactRecursiveMutex {
 public:
  CompactRecursiveMutex() = default;
  CompactRecursiveMutex(const CompactRecursiveMutex&) = delete;
  CompactRecursiveMutex& operator=(const CompactRecursiveMutex&) = delete;

  void lock() {
    if (ownedByThisThread()) {
      ++depth_;
      return;
    }
    mutex_.lock();
    take();
  }

  bool try_lock() {
    if (ownedByThisThread()) {
      ++depth_;
      return true;
    }
    if (!mutex_.try_lock()) return false;
    take();
    return true;
  }

  void unlock() {
    if (--depth_ != 0) return;
    owner_.store(std::thread::id(), std::memory_order_relaxed);
    mutex_.unlock();
  }

 private:
  // Only the owner ever stores its own id, so reading our id here means we hold the lock;
  // any other value, however stale, means we do not.
  bool ownedByThisThread() const { return owner_.load(std::memory_order_relaxed) == std::this_thread::get_id(); }
  void take() {
    owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    depth_ = 1;
  }

  std::atomic<std::thread::id> owner_{};
  CompactMutex mutex_;
  std::uint32_t depth_ = 0;  // guarded by mutex_
};

}  // namespace spread::core
