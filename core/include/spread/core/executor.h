#pragma once

#include <cstdint>
#include <functional>

#include "spread/core/time.h"

namespace spread::core {

using Task = std::function<void()>;

/// Identifies a task scheduled with postAfter(), so that it can be cancelled.
/// Ids are never reused by one executor; the zero id never names a task.
enum class TimerId : std::uint64_t { kNone = 0 };

/// Where the core runs its work. The core never creates threads: it posts tasks here.
/// ThreadPoolExecutor runs them on real threads; ManualExecutor runs them when a test or
/// the simulator says so, in (due time, post order) order.
///
/// Tasks must not throw; an executor that catches an escaping exception counts it and
/// carries on, but that is a bug in the task.
///
/// A task is never dropped silently. An executor that has stopped (ThreadPoolExecutor after
/// its shutdown) refuses new work: post() returns false, postAfter() returns TimerId::kNone,
/// the task is destroyed unrun on the caller's thread, and refusedTasks() counts it. Every
/// caller must have a path for that answer; the core's are documented where they post.
class Executor {
 public:
  virtual ~Executor() = default;

  /// Runs `task` as soon as possible and returns true, or refuses it (see above) and
  /// returns false. Thread-safe.
  [[nodiscard]] virtual bool post(Task task) = 0;

  /// Runs `task` once `delay` has elapsed on the executor's clock, unless cancelled first;
  /// returns the id to cancel it by, or TimerId::kNone if refused. Thread-safe.
  [[nodiscard]] virtual TimerId postAfter(Duration delay, Task task) = 0;

  /// Prevents a postAfter() task from running. Returns true if it had not started yet.
  /// Cancelling an unknown, finished or already cancelled id is harmless. Thread-safe.
  virtual bool cancel(TimerId id) = 0;

  /// Tasks and timers refused so far. Thread-safe.
  virtual std::uint64_t refusedTasks() const = 0;
};

}  // namespace spread::core
