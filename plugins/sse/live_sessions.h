#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace spread::plugins::sse {

/// How many SSE connections exist, so that the transport can wait, at stop(), until none
/// of its objects (whose code is in this plugin) is left on another plugin's loop or the
/// executor.
class LiveSessions {
 public:
  void add() {
    std::lock_guard lock(mutex_);
    ++count_;
  }
  void remove() {
    std::lock_guard lock(mutex_);
    if (--count_ == 0) zero_.notify_all();
  }
  std::uint64_t count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  /// True if the count reached zero before `until`.
  bool waitForZero(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    return zero_.wait_until(lock, until, [this] { return count_ == 0; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable zero_;
  std::uint64_t count_ = 0;
};

}  // namespace spread::plugins::sse
