#pragma once

// Waiting for real threads without sleeping: state guarded by one mutex, changed through
// update(), awaited with a deadline through waitFor(). A deadline that passes fails the
// test instead of hanging it.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace spread::core::test {

/// How long any concurrency test waits for one condition before it gives up and fails.
inline constexpr std::chrono::seconds kAwaitMax{20};

class Await {
 public:
  /// Runs `change` under the lock, then wakes every waiter.
  template <class Change>
  void update(Change change) {
    {
      std::lock_guard lock(mutex_);
      change();
    }
    changed_.notify_all();
  }

  /// Returns true once `condition` (read under the lock) holds; false at the deadline.
  template <class Condition>
  [[nodiscard]] bool waitFor(Condition condition, std::chrono::milliseconds timeout = kAwaitMax) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, condition);
  }

  /// Runs `read` under the lock and returns what it returns.
  template <class Read>
  auto read(Read reader) {
    std::lock_guard lock(mutex_);
    return reader();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace spread::core::test
