#pragma once

// An Executor for an in-process server on virtual time: posted tasks run at once on a real
// pool, as in production, while timers wait on a ManualClock that only the test moves. The
// test can also wait until the pool has run everything posted, so a timer it fires next sees
// the effects of the work before it.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "spread/core/executor.h"
#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"

namespace spread::plugins::websocket::testing {

class ManualTimerExecutor final : public core::Executor {
 public:
  /// Runs posted tasks on `pool` and keeps timers on `clock`. Both must outlive this
  /// executor, and the pool must have stopped (run or dropped every task) before it goes.
  ManualTimerExecutor(core::Executor& pool, core::ManualClock& clock) : pool_(pool), timers_(clock) {}

  bool post(core::Task task) override;
  core::TimerId postAfter(core::Duration delay, core::Task task) override;
  bool cancel(core::TimerId id) override;
  std::uint64_t refusedTasks() const override;

  /// How many tasks have been posted so far.
  std::uint64_t posted() const;

  /// Waits until at least `postedAtLeast` tasks have been posted and none is queued or
  /// running. Returns false if that has not happened within `timeout`.
  [[nodiscard]] bool waitUntilIdle(std::uint64_t postedAtLeast = 0,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Once the pool is idle, moves the clock to the earliest pending timer and runs it on the
  /// calling thread. Returns false if the pool stayed busy, or no timer was pending.
  /// REQUIRES: one thread at a time calls fireNextTimer() and advanceBy().
  [[nodiscard]] bool fireNextTimer();

  /// Moves the clock forward by `by`, running on the calling thread any timer due meanwhile.
  void advanceBy(core::Duration by) { timers_.advanceBy(by); }

 private:
  void finished();

  core::Executor& pool_;
  core::ManualExecutor timers_;
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::uint64_t posted_ = 0;
  std::uint64_t inFlight_ = 0;
};

}  // namespace spread::plugins::websocket::testing
