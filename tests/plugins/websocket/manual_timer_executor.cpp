#include "manual_timer_executor.h"

#include <utility>

namespace spread::plugins::websocket::testing {

bool ManualTimerExecutor::post(core::Task task) {
  {
    std::lock_guard lock(mutex_);
    ++posted_;
    ++inFlight_;
  }
  const bool accepted = pool_.post([this, task = std::move(task)] {
    // Counted as finished even if the task throws: the pool reports that escape itself.
    struct Done {
      ManualTimerExecutor& executor;
      ~Done() { executor.finished(); }
    } done{*this};
    task();
  });
  if (!accepted) finished();  // refused: it will never run, so it is not in flight
  return accepted;
}

core::TimerId ManualTimerExecutor::postAfter(core::Duration delay, core::Task task) {
  return timers_.postAfter(delay, std::move(task));
}

bool ManualTimerExecutor::cancel(core::TimerId id) { return timers_.cancel(id); }

std::uint64_t ManualTimerExecutor::refusedTasks() const { return pool_.refusedTasks() + timers_.refusedTasks(); }

std::uint64_t ManualTimerExecutor::posted() const {
  std::lock_guard lock(mutex_);
  return posted_;
}

bool ManualTimerExecutor::waitUntilIdle(std::uint64_t postedAtLeast, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [&] { return posted_ >= postedAtLeast && inFlight_ == 0; });
}

bool ManualTimerExecutor::fireNextTimer() { return waitUntilIdle() && timers_.runNext(); }

void ManualTimerExecutor::finished() {
  {
    std::lock_guard lock(mutex_);
    --inFlight_;
  }
  idle_.notify_all();
}

}  // namespace spread::plugins::websocket::testing
