#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "spread/core/executor.h"

namespace spread::core {

/// The production executor: a fixed number of threads sharing one ready queue and one
/// timer queue. It is the one place in the core that owns threads; everything else only
/// posts tasks to an Executor.
class ThreadPoolExecutor final : public Executor {
 public:
  /// REQUIRES: threads >= 1.
  explicit ThreadPoolExecutor(std::size_t threads);
  ~ThreadPoolExecutor() override;  // calls shutdown()

  ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
  ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

  /// Accepted until the last worker thread has left, in shutdown(); refused after.
  bool post(Task task) override;
  /// Refused once shutdown() has begun.
  TimerId postAfter(Duration delay, Task task) override;
  bool cancel(TimerId id) override;
  std::uint64_t refusedTasks() const override { return refusedTasks_.load(); }

  /// Stops taking timers and cancels the ones not yet due (counted in cancelledTimers()):
  /// they are timeouts and periodic work, which stopping makes moot. Then runs every task
  /// already posted, and every task those post, so that a fan-out or a close in flight
  /// completes; joins the threads; and from then on refuses every post(). Idempotent.
  /// Must not be called from one of the pool's own threads.
  void shutdown();

  std::size_t threadCount() const { return threads_.size(); }
  std::size_t escapedExceptions() const { return escapedExceptions_.load(); }
  /// Timers that shutdown() cancelled before they were due.
  std::uint64_t cancelledTimers() const { return cancelledTimers_.load(); }

 private:
  using Key = std::pair<TimePoint, std::uint64_t>;

  void workerLoop();
  static TimePoint steadyNow();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> ready_;
  std::map<Key, Task> timers_;
  std::unordered_map<std::uint64_t, Key> timerKeys_;
  std::uint64_t nextSequence_ = 1;
  bool stopping_ = false;
  std::size_t workersRunning_ = 0;  // post() is refused once this is zero after shutdown began
  std::atomic<std::size_t> escapedExceptions_{0};
  std::atomic<std::uint64_t> refusedTasks_{0};
  std::atomic<std::uint64_t> cancelledTimers_{0};
  std::vector<std::thread> threads_;
};

}  // namespace spread::core
