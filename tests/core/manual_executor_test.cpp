// Proves ManualExecutor: tasks run only inside run*/advance* calls, in (due time, post order)
// with the clock moved to each due time; cancel stops a pending task; tasks posted by tasks
// run when due; loops are bounded; escaping exceptions are counted, not propagated.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "spread/core/manual_executor.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using std::chrono::milliseconds;

class ManualExecutorTest : public ::testing::Test {
 protected:
  // A task that records its name and the virtual time it ran at.
  Task record(std::string name) {
    return [this, name] { runs_.push_back(name + "@" + std::to_string(sinceStart().count())); };
  }
  milliseconds sinceStart() const {
    return std::chrono::duration_cast<milliseconds>(clock_.now() - TimePoint{});
  }

  ManualClock clock_;
  ManualExecutor executor_{clock_};
  std::vector<std::string> runs_;
};

TEST_F(ManualExecutorTest, NothingRunsUntilAsked) {
  executor_.post(record("a"));
  executor_.postAfter(milliseconds(1), record("b"));
  EXPECT_THAT(runs_, IsEmpty());
  EXPECT_EQ(executor_.pending(), 2u);
}

TEST_F(ManualExecutorTest, OrdersByDueTimeThenByPostOrder) {
  executor_.postAfter(milliseconds(10), record("late"));
  executor_.post(record("now1"));
  executor_.postAfter(milliseconds(5), record("mid1"));
  executor_.post(record("now2"));
  executor_.postAfter(milliseconds(5), record("mid2"));
  executor_.postAfter(milliseconds(0), record("now3"));
  EXPECT_EQ(executor_.advanceBy(milliseconds(20)), 6u);
  EXPECT_THAT(runs_, ElementsAre("now1@0", "now2@0", "now3@0", "mid1@5", "mid2@5", "late@10"));
  EXPECT_EQ(sinceStart(), milliseconds(20));
}

TEST_F(ManualExecutorTest, RunUntilIdleRunsOnlyWhatIsDueIncludingWhatTasksPost) {
  executor_.postAfter(milliseconds(1), record("future"));
  executor_.post([this] {
    runs_.push_back("first");
    executor_.post([this] {
      runs_.push_back("second");
      executor_.postAfter(Duration::zero(), record("third"));
    });
  });
  EXPECT_EQ(executor_.runUntilIdle(), 3u);
  EXPECT_THAT(runs_, ElementsAre("first", "second", "third@0"));
  EXPECT_EQ(sinceStart(), milliseconds(0)) << "runUntilIdle never moves the clock";
  EXPECT_EQ(executor_.pending(), 1u);
  EXPECT_EQ(executor_.runUntilIdle(), 0u);
}

TEST_F(ManualExecutorTest, RunUntilIdleIsBoundedByTasksMax) {
  std::function<void()> forever = [&] { executor_.post(forever); };
  executor_.post(forever);
  EXPECT_EQ(executor_.runUntilIdle(5), 5u);
  EXPECT_EQ(executor_.pending(), 1u);
  EXPECT_EQ(executor_.advanceBy(milliseconds(1), 3), 3u);
}

TEST_F(ManualExecutorTest, AdvanceToStopsAtEachDueTimeAndRunsWhatTasksScheduleOnTheWay) {
  executor_.postAfter(milliseconds(5), [this] {
    runs_.push_back("five@" + std::to_string(sinceStart().count()));
    executor_.postAfter(milliseconds(3), record("eight"));
    executor_.postAfter(milliseconds(10), record("fifteen"));
  });
  EXPECT_EQ(executor_.advanceTo(TimePoint{} + milliseconds(10)), 2u);
  EXPECT_THAT(runs_, ElementsAre("five@5", "eight@8"));
  EXPECT_EQ(sinceStart(), milliseconds(10));
  EXPECT_EQ(executor_.nextDue(), TimePoint{} + milliseconds(15));
  executor_.advanceBy(milliseconds(5));
  EXPECT_THAT(runs_, ElementsAre("five@5", "eight@8", "fifteen@15"));
}

TEST_F(ManualExecutorTest, AdvanceToAnEarlierTimeNeverTurnsTheClockBack) {
  clock_.advanceBy(milliseconds(10));
  executor_.advanceTo(TimePoint{} + milliseconds(3));
  EXPECT_EQ(sinceStart(), milliseconds(10));
}

TEST_F(ManualExecutorTest, RunNextRunsTheEarliestTaskAndMovesTheClockToIt) {
  EXPECT_FALSE(executor_.runNext());
  executor_.postAfter(milliseconds(7), record("b"));
  executor_.postAfter(milliseconds(3), record("a"));
  EXPECT_TRUE(executor_.runNext());
  EXPECT_THAT(runs_, ElementsAre("a@3"));
  EXPECT_TRUE(executor_.runNext());
  EXPECT_THAT(runs_, ElementsAre("a@3", "b@7"));
  EXPECT_FALSE(executor_.runNext());
  EXPECT_EQ(sinceStart(), milliseconds(7));
}

TEST_F(ManualExecutorTest, RunNextDoesNotMoveTheClockForAnOverdueTask) {
  executor_.postAfter(milliseconds(2), record("x"));
  clock_.advanceBy(milliseconds(5));
  EXPECT_TRUE(executor_.runNext());
  EXPECT_THAT(runs_, ElementsAre("x@5"));
}

TEST_F(ManualExecutorTest, CancelStopsAPendingTaskOnlyOnce) {
  const TimerId keep = executor_.postAfter(milliseconds(1), record("keep"));
  const TimerId drop = executor_.postAfter(milliseconds(1), record("drop"));
  EXPECT_NE(keep, drop);
  EXPECT_NE(keep, TimerId::kNone);
  EXPECT_NE(drop, TimerId::kNone);
  EXPECT_TRUE(executor_.cancel(drop));
  EXPECT_FALSE(executor_.cancel(drop)) << "already cancelled";
  EXPECT_EQ(executor_.pending(), 1u);
  executor_.advanceBy(milliseconds(1));
  EXPECT_THAT(runs_, ElementsAre("keep@1"));
  EXPECT_FALSE(executor_.cancel(keep)) << "already ran";
  EXPECT_FALSE(executor_.cancel(TimerId::kNone));
  EXPECT_FALSE(executor_.cancel(TimerId{999}));
}

TEST_F(ManualExecutorTest, CancellingTheEarliestTaskMovesNextDue) {
  EXPECT_EQ(executor_.nextDue(), std::nullopt);
  const TimerId first = executor_.postAfter(milliseconds(1), record("a"));
  executor_.postAfter(milliseconds(4), record("b"));
  EXPECT_EQ(executor_.nextDue(), TimePoint{} + milliseconds(1));
  executor_.cancel(first);
  EXPECT_EQ(executor_.nextDue(), TimePoint{} + milliseconds(4));
}

TEST_F(ManualExecutorTest, ATaskMayCancelALaterOne) {
  TimerId later;
  executor_.post([&] { EXPECT_TRUE(executor_.cancel(later)); });
  later = executor_.postAfter(milliseconds(1), record("cancelled"));
  executor_.advanceBy(milliseconds(5));
  EXPECT_THAT(runs_, IsEmpty());
}

TEST_F(ManualExecutorTest, ANegativeDelayMeansNow) {
  executor_.postAfter(milliseconds(-5), record("now"));
  EXPECT_EQ(executor_.nextDue(), TimePoint{});
  EXPECT_EQ(executor_.runUntilIdle(), 1u);
}

TEST_F(ManualExecutorTest, EscapingExceptionsAreCountedAndTheRunCarriesOn) {
  executor_.post([] { throw std::runtime_error("bug"); });
  executor_.post([] { throw 7; });
  executor_.post(record("after"));
  EXPECT_NO_THROW(EXPECT_EQ(executor_.runUntilIdle(), 3u));
  EXPECT_EQ(executor_.escapedExceptions(), 2u);
  EXPECT_THAT(runs_, ElementsAre("after@0"));
  executor_.postAfter(milliseconds(1), [] { throw 1; });
  EXPECT_NO_THROW(executor_.runNext());
  EXPECT_EQ(executor_.escapedExceptions(), 3u);
}

TEST_F(ManualExecutorTest, AfterRefuseNewTasksItRefusesAndCountsButStillRunsWhatWasPending) {
  EXPECT_TRUE(executor_.post(record("before")));
  executor_.refuseNewTasks();
  auto captured = std::make_shared<int>(0);
  EXPECT_FALSE(executor_.post([captured] {}));
  EXPECT_EQ(executor_.postAfter(milliseconds(1), record("timer")), TimerId::kNone);
  EXPECT_EQ(captured.use_count(), 1) << "a refused task is destroyed at once";
  EXPECT_EQ(executor_.refusedTasks(), 2u);
  executor_.advanceBy(milliseconds(5));
  EXPECT_THAT(runs_, ElementsAre("before@0"));
}

// ---- lanes, heap, cancel by slot -------------------------------------------------------
//
// The executor keeps a FIFO lane for each of the first four delays it sees and a heap for
// the rest; the tests below post with more distinct delays than that, from several clock
// times, so that lane and heap entries come due at the same time in either post order.

// A tiny deterministic generator (SplitMix64), so the schedules below are the same every run.
std::uint64_t nextRandom(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct Planned {
  TimePoint due;
  int index;  // the order of posting
  Duration delay;
};

// Posts `count` tasks, numbered from `first`, with delays drawn from `delays`, moving the
// clock forward by 0-3 µs between posts; each task appends its number to `ran`. Returns the
// plan in post order; `ids` (if given) gets each task's id at [number - first].
std::vector<Planned> postMany(ManualClock& clock, ManualExecutor& executor, std::vector<int>& ran, int first,
                              int count, const std::vector<Duration>& delays, std::uint64_t seed,
                              std::vector<TimerId>* ids = nullptr) {
  std::vector<Planned> plan;
  for (int i = first; i < first + count; ++i) {
    clock.advanceBy(std::chrono::microseconds(nextRandom(seed) % 4));
    const Duration delay = delays[nextRandom(seed) % delays.size()];
    plan.push_back(Planned{clock.now() + delay, i, delay});
    const TimerId id = executor.postAfter(delay, [&ran, i] { ran.push_back(i); });
    if (ids != nullptr) ids->push_back(id);
  }
  return plan;
}

// The indices of `plan` in (due, post order) order.
std::vector<int> dueOrder(std::vector<Planned> plan) {
  std::stable_sort(plan.begin(), plan.end(), [](const Planned& a, const Planned& b) { return a.due < b.due; });
  std::vector<int> order;
  for (const Planned& planned : plan) order.push_back(planned.index);
  return order;
}

const std::vector<Duration> kManyDelays{
    std::chrono::microseconds(0),  std::chrono::microseconds(3),  std::chrono::microseconds(7),
    std::chrono::microseconds(10), std::chrono::microseconds(2),  std::chrono::microseconds(5),
    std::chrono::microseconds(6),  std::chrono::microseconds(9),  std::chrono::microseconds(11),
    std::chrono::microseconds(12), std::chrono::microseconds(4),  std::chrono::microseconds(8),
};

TEST_F(ManualExecutorTest, OrdersLaneAndHeapTasksTogetherByDueThenPostOrder) {
  std::vector<int> ran;
  const std::vector<Planned> plan = postMany(clock_, executor_, ran, 0, 2000, kManyDelays, 42);

  // The schedule must really mix the two: the first four delays seen get lanes, the rest
  // go to the heap, and equal dues from both must occur with either one posted first.
  std::vector<Duration> laneDelays;
  for (const Planned& planned : plan) {
    if (laneDelays.size() < 4 && std::find(laneDelays.begin(), laneDelays.end(), planned.delay) == laneDelays.end()) {
      laneDelays.push_back(planned.delay);
    }
  }
  const auto inLane = [&](const Planned& p) {
    return std::find(laneDelays.begin(), laneDelays.end(), p.delay) != laneDelays.end();
  };
  bool laneFirst = false;
  bool heapFirst = false;
  for (std::size_t a = 0; a < plan.size(); ++a) {
    for (std::size_t b = a + 1; b < plan.size() && b < a + 40; ++b) {
      if (plan[a].due != plan[b].due || inLane(plan[a]) == inLane(plan[b])) continue;
      (inLane(plan[a]) ? laneFirst : heapFirst) = true;
    }
  }
  ASSERT_TRUE(laneFirst && heapFirst) << "the schedule has no lane/heap ties to order";

  EXPECT_EQ(executor_.pending(), plan.size());
  executor_.advanceBy(std::chrono::milliseconds(1));
  EXPECT_EQ(ran, dueOrder(plan));
  EXPECT_EQ(executor_.pending(), 0u);
}

TEST_F(ManualExecutorTest, EqualDuesInALaneAndTheHeapRunInPostOrder) {
  using std::chrono::microseconds;
  // Four delays fill the lanes; 3500 µs is not one of them, so it goes to the heap.
  for (const int ms : {1, 2, 3, 4}) executor_.postAfter(milliseconds(ms), record("lane" + std::to_string(ms)));
  executor_.postAfter(milliseconds(6), record("heapFirst"));  // due 6 ms
  clock_.advanceBy(milliseconds(2));
  executor_.postAfter(milliseconds(4), record("laneSecond"));  // due 6 ms, in the 4 ms lane
  clock_.advanceBy(microseconds(500));
  executor_.postAfter(microseconds(3500), record("heapThird"));  // due 6 ms
  EXPECT_EQ(executor_.advanceTo(TimePoint{} + milliseconds(10)), 7u);
  EXPECT_THAT(runs_, ElementsAre("lane1@2", "lane2@2", "lane3@3", "lane4@4", "heapFirst@6", "laneSecond@6",
                                 "heapThird@6"));
}

TEST_F(ManualExecutorTest, CancelDestroysTheTaskAtOnceInALaneOrInTheHeap) {
  std::vector<Duration> delays;
  for (int ms = 1; ms <= 6; ++ms) delays.push_back(milliseconds(ms));  // four lanes, then the heap
  std::vector<std::weak_ptr<int>> held;
  std::vector<TimerId> ids;
  for (const Duration delay : delays) {
    auto captured = std::make_shared<int>(0);
    held.push_back(captured);
    ids.push_back(executor_.postAfter(delay, [captured] {}));
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_FALSE(held[i].expired());
    EXPECT_TRUE(executor_.cancel(ids[i]));
    EXPECT_TRUE(held[i].expired()) << "the task with delay " << i + 1 << " ms still holds what it captured";
    EXPECT_FALSE(executor_.cancel(ids[i])) << "cancelled twice";
  }
  EXPECT_EQ(executor_.pending(), 0u);
  EXPECT_EQ(executor_.nextDue(), std::nullopt);
  EXPECT_EQ(executor_.advanceBy(milliseconds(10)), 0u);
}

TEST_F(ManualExecutorTest, CancelAfterTheTaskRanIsRefusedEvenOnceItsSlotIsReused) {
  const TimerId first = executor_.postAfter(milliseconds(1), record("first"));
  executor_.advanceBy(milliseconds(1));
  const TimerId second = executor_.postAfter(milliseconds(1), record("second"));  // takes the freed slot
  EXPECT_NE(first, second);
  EXPECT_FALSE(executor_.cancel(first)) << "already ran";
  EXPECT_EQ(executor_.pending(), 1u);
  executor_.advanceBy(milliseconds(1));
  EXPECT_THAT(runs_, ElementsAre("first@1", "second@2"));
  EXPECT_FALSE(executor_.cancel(second));
}

TEST_F(ManualExecutorTest, ARunningTaskCannotCancelItself) {
  TimerId self = TimerId::kNone;
  bool cancelled = true;
  self = executor_.postAfter(milliseconds(1), [&] { cancelled = executor_.cancel(self); });
  executor_.advanceBy(milliseconds(1));
  EXPECT_FALSE(cancelled) << "it had started";
}

TEST_F(ManualExecutorTest, ACancelledTaskIsDestroyedOutsideTheLockSoItsDestructorMayCancelToo) {
  // What a cancelled task holds may cancel another timer as it goes (a connection's last
  // reference, say). Destroyed under the executor's lock, this would deadlock.
  const TimerId other = executor_.postAfter(milliseconds(2), record("other"));
  struct CancelsOnDestruction {
    ManualExecutor& executor;
    TimerId other;
    ~CancelsOnDestruction() { executor.cancel(other); }
  };
  auto guard = std::make_shared<CancelsOnDestruction>(CancelsOnDestruction{executor_, other});
  const TimerId holder = executor_.postAfter(milliseconds(1), [guard] {});
  guard.reset();
  EXPECT_TRUE(executor_.cancel(holder));
  EXPECT_EQ(executor_.pending(), 0u) << "the destructor cancelled the other timer";
  executor_.advanceBy(milliseconds(5));
  EXPECT_THAT(runs_, IsEmpty());
}

TEST_F(ManualExecutorTest, PendingCountsLiveTasksOnly) {
  std::vector<TimerId> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(executor_.postAfter(milliseconds(i % 7), record(std::to_string(i))));
  executor_.post(record("posted"));
  EXPECT_EQ(executor_.pending(), 11u);
  for (int i = 0; i < 10; i += 3) executor_.cancel(ids[i]);  // 0, 3, 6, 9
  EXPECT_EQ(executor_.pending(), 7u);
  executor_.cancel(ids[0]);
  EXPECT_EQ(executor_.pending(), 7u) << "a second cancel changes nothing";
  EXPECT_EQ(executor_.runUntilIdle(), 2u);  // "posted" and task 7 (delay 0)
  EXPECT_EQ(executor_.pending(), 5u);
  EXPECT_EQ(executor_.advanceBy(milliseconds(10)), 5u);
  EXPECT_EQ(executor_.pending(), 0u);
}

TEST_F(ManualExecutorTest, CompactingCancelledEntriesKeepsTheOrderOfTheRest) {
  // Two hundred delays, drawn at random: past the first four, the heap holds dues in no
  // particular order, so dropping entries from it must rebuild it.
  std::vector<Duration> delays;
  for (int i = 0; i < 200; ++i) delays.push_back(std::chrono::microseconds(7 * i));
  std::vector<int> ran;
  std::vector<TimerId> ids;
  const std::vector<Planned> plan = postMany(clock_, executor_, ran, 0, 3000, delays, 7, &ids);
  // Cancelling all but every seventh leaves far more cancelled entries than live ones: the
  // executor drops them (more than once) while the survivors wait.
  std::vector<Planned> kept;
  for (const Planned& planned : plan) {
    if (planned.index % 7 == 0) {
      kept.push_back(planned);
    } else {
      EXPECT_TRUE(executor_.cancel(ids[planned.index]));
    }
  }
  EXPECT_EQ(executor_.pending(), kept.size());
  // More posts after the compactions, coming due among the survivors.
  for (const Planned& planned : postMany(clock_, executor_, ran, 3000, 500, delays, 8)) kept.push_back(planned);
  EXPECT_EQ(executor_.pending(), kept.size());
  executor_.advanceBy(std::chrono::milliseconds(5));
  const std::vector<int> expected = dueOrder(kept);
  EXPECT_EQ(ran, expected);
  EXPECT_EQ(executor_.pending(), 0u);
}

TEST(ManualClockTest, StartsWhereToldAndMovesOnlyForward) {
  ManualClock clock(TimePoint{} + milliseconds(100));
  EXPECT_EQ(clock.now(), TimePoint{} + milliseconds(100));
  clock.advanceBy(milliseconds(5));
  EXPECT_EQ(clock.now(), TimePoint{} + milliseconds(105));
  clock.advanceTo(TimePoint{} + milliseconds(105));
  EXPECT_EQ(clock.now(), TimePoint{} + milliseconds(105));
  EXPECT_EQ(ManualClock().now(), TimePoint{});
}

}  // namespace
}  // namespace spread::core
