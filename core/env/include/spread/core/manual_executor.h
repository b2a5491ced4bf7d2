#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

#include "spread/core/executor.h"
#include "spread/core/manual_clock.h"

namespace spread::core {

/// A single-threaded, deterministic executor on a ManualClock. Tasks run only inside the
/// run*/advance* calls, ordered by due time and then by the order they were posted (the
/// same tie-break Envoy's simulated time uses), so one sequence of calls gives one run.
///
/// post()/postAfter()/cancel() are thread-safe; the run* and advance* calls must come from
/// one thread at a time. Every loop is bounded by `tasksMax`.
class ManualExecutor final : public Executor {
 public:
  static constexpr std::size_t kTasksMaxDefault = 10'000'000;

  explicit ManualExecutor(ManualClock& clock) : clock_(clock) {}

  bool post(Task task) override;
  TimerId postAfter(Duration delay, Task task) override;
  bool cancel(TimerId id) override;
  std::uint64_t refusedTasks() const override;

  /// From now on refuses every post() and postAfter(), as a thread pool does after its
  /// shutdown, so that a test can script what a caller does with a refusal. Tasks already
  /// pending still run when asked to.
  void refuseNewTasks();

  /// Runs every task due at or before now(), including tasks those tasks post.
  /// Returns how many ran.
  std::size_t runUntilIdle(std::size_t tasksMax = kTasksMaxDefault);

  /// Moves the clock forward to `until`, stopping at each due time on the way to run what
  /// is due, then runs everything due at `until`. Returns how many tasks ran.
  std::size_t advanceTo(TimePoint until, std::size_t tasksMax = kTasksMaxDefault);
  std::size_t advanceBy(Duration by, std::size_t tasksMax = kTasksMaxDefault) {
    return advanceTo(clock_.now() + by, tasksMax);
  }

  /// Runs the earliest pending task, first moving the clock to its due time if that is
  /// later than now. Returns false when nothing is pending.
  bool runNext();

  /// When the earliest pending task is due; nullopt when nothing is pending.
  std::optional<TimePoint> nextDue() const;
  std::size_t pending() const;

  /// Exceptions that escaped a task (a bug in that task). Tests assert this stays zero.
  std::size_t escapedExceptions() const { return escapedExceptions_; }

 private:
  using Key = std::pair<TimePoint, std::uint64_t>;  // (due, sequence)

  TimerId schedule(TimePoint due, Task task);
  std::optional<std::pair<Key, Task>> popDue(TimePoint limit);
  void runTask(Task& task);

  ManualClock& clock_;
  mutable std::mutex mutex_;
  std::uint64_t nextSequence_ = 1;
  std::map<Key, Task> tasks_;
  std::unordered_map<std::uint64_t, Key> keysById_;
  std::size_t escapedExceptions_ = 0;
  bool refusing_ = false;
  std::uint64_t refusedTasks_ = 0;
};

}  // namespace spread::core
