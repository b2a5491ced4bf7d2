#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

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
  // A pending task's place in the due order. The task itself waits in its slot, so that
  // cancel() destroys it at once (and what it holds) without searching the heap: a
  // cancelled entry stays in the heap until it reaches the top, and is skipped there
  // because its slot no longer holds its sequence.
  struct Due {
    TimePoint due;
    std::uint64_t sequence;  // the order of posting: the tie-break between equal dues
    std::uint32_t slot;
  };
  struct Slot {
    std::uint64_t sequence = 0;  // 0 while free
    Task task;
  };
  // The heap's order: the earliest due first, then the earliest posted.
  struct Later {
    bool operator()(const Due& a, const Due& b) const {
      return a.due != b.due ? a.due > b.due : a.sequence > b.sequence;
    }
  };

  // Tasks posted with one delay come due in the order they were posted (the clock never goes
  // back), so each of the first few delays seen (0 for post(), a network's latency...) gets
  // a FIFO of its own, and the heap holds only the rest. Most tasks then cost O(1).
  struct Lane {
    Duration delay;
    std::deque<Due> queue;
  };
  static constexpr std::size_t kLanesMax = 4;

  TimerId schedule(Duration delay, Task task);
  /// Takes the earliest live task due at or before `limit`, with its due time.
  std::optional<std::pair<TimePoint, Task>> popDue(TimePoint limit);
  /// The earliest live entry: in the heap (nullptr) or at the front of a lane, after
  /// dropping the cancelled entries in front of it. nullopt if none. REQUIRES: mutex_ held.
  std::optional<std::pair<Due, Lane*>> earliest() const;
  bool isLive(const Due& entry) const { return slots_[entry.slot].sequence == entry.sequence; }
  /// Rebuilds the heap and lanes without cancelled entries. REQUIRES: mutex_ held.
  void compact();
  void runTask(Task& task);

  ManualClock& clock_;
  mutable std::mutex mutex_;
  std::uint64_t nextSequence_ = 1;
  mutable std::vector<Due> heap_;
  mutable std::vector<Lane> lanes_;
  mutable std::size_t entries_ = 0;  // in the heap and lanes, cancelled ones included
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> freeSlots_;
  std::size_t live_ = 0;
  std::size_t escapedExceptions_ = 0;
  bool refusing_ = false;
  std::uint64_t refusedTasks_ = 0;
};

}  // namespace spread::core
