// Proves ManualExecutor: tasks run only inside run*/advance* calls, in (due time, post order)
// with the clock moved to each due time; cancel stops a pending task; tasks posted by tasks
// run when due; loops are bounded; escaping exceptions are counted, not propagated.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
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
