#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

namespace spread::plugins::websocket {

/// Counts things still in flight (open sockets, tasks posted to the executor) so that
/// stop() can wait, with a deadline, until none are left. Thread-safe.
class InFlightCounter {
 public:
  void add() {
    std::lock_guard lock(mutex_);
    ++count_;
  }
  void remove() {
    std::lock_guard lock(mutex_);
    if (--count_ == 0) zero_.notify_all();
  }
  /// Counts one thing until every copy of the returned token is gone. A task that holds
  /// one is counted until it has run, or until an executor that never runs it drops it.
  std::shared_ptr<void> hold() {
    add();
    return std::shared_ptr<void>(nullptr, [this](void*) { remove(); });
  }
  /// Counts its owner from construction to destruction; 8 bytes, no allocation. As a
  /// class's first member it is released last, after every other member is destroyed.
  class Token {
   public:
    explicit Token(InFlightCounter& counter) : counter_(&counter) { counter_->add(); }
    Token(const Token&) = delete;
    Token& operator=(const Token&) = delete;
    ~Token() { counter_->remove(); }

   private:
    InFlightCounter* counter_;
  };

  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  /// Returns true if the count reached zero before `deadline`.
  bool waitForZero(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return zero_.wait_until(lock, deadline, [this] { return count_ == 0; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable zero_;
  std::size_t count_ = 0;
};

}  // namespace spread::plugins::websocket
