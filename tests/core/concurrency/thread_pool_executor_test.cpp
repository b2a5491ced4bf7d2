// Proves ThreadPoolExecutor on real threads: all threads run posted tasks, timers fire in due
// order and not early, cancel works, escaping exceptions are counted, and shutdown runs what
// was posted (and what that posts) before joining. Waits have deadlines; nothing sleeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "await.h"
#include "spread/core/thread_pool_executor.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using std::chrono::milliseconds;
using test::Await;

TEST(ThreadPoolExecutorTest, RunsEveryPostedTaskOnItsOwnThreads) {
  ThreadPoolExecutor pool(4);
  EXPECT_EQ(pool.threadCount(), 4u);
  Await done;
  int ran = 0;
  bool ranOnCaller = false;
  const auto caller = std::this_thread::get_id();
  for (int i = 0; i < 1000; ++i) {
    pool.post([&] {
      const bool onCaller = std::this_thread::get_id() == caller;
      done.update([&] {
        ++ran;
        ranOnCaller = ranOnCaller || onCaller;
      });
    });
  }
  ASSERT_TRUE(done.waitFor([&] { return ran == 1000; }));
  EXPECT_FALSE(done.read([&] { return ranOnCaller; }));
  pool.shutdown();
}

TEST(ThreadPoolExecutorTest, RunsAsManyTasksAtOnceAsItHasThreads) {
  ThreadPoolExecutor pool(4);
  Await gate;
  int arrived = 0;
  int allMet = 0;
  for (int i = 0; i < 4; ++i) {
    pool.post([&] {
      gate.update([&] { ++arrived; });
      // Only possible if all four tasks run at the same time.
      const bool met = gate.waitFor([&] { return arrived == 4; });
      gate.update([&] { allMet += met ? 1 : 0; });
    });
  }
  ASSERT_TRUE(gate.waitFor([&] { return allMet == 4; }));
  pool.shutdown();
}

TEST(ThreadPoolExecutorTest, TimersFireInDueOrderAndNotEarly) {
  ThreadPoolExecutor pool(1);
  Await fired;
  std::vector<int> order;
  std::vector<bool> early;
  const auto start = std::chrono::steady_clock::now();
  for (int delayMs : {30, 10, 20, 0}) {
    pool.postAfter(milliseconds(delayMs), [&, delayMs] {
      const bool tooEarly = std::chrono::steady_clock::now() - start < milliseconds(delayMs);
      fired.update([&] {
        order.push_back(delayMs);
        early.push_back(tooEarly);
      });
    });
  }
  ASSERT_TRUE(fired.waitFor([&] { return order.size() == 4; }));
  EXPECT_THAT(order, ElementsAre(0, 10, 20, 30));
  EXPECT_THAT(early, ElementsAre(false, false, false, false));
  pool.shutdown();
}

TEST(ThreadPoolExecutorTest, AnEarlierTimerPostedLaterStillFiresFirst) {
  ThreadPoolExecutor pool(2);
  Await fired;
  std::vector<std::string> order;
  pool.postAfter(milliseconds(200), [&] { fired.update([&] { order.push_back("late"); }); });
  pool.postAfter(milliseconds(5), [&] { fired.update([&] { order.push_back("early"); }); });
  ASSERT_TRUE(fired.waitFor([&] { return order.size() == 2; }));
  EXPECT_THAT(order, ElementsAre("early", "late"));
  pool.shutdown();
}

TEST(ThreadPoolExecutorTest, CancelStopsAPendingTimer) {
  ThreadPoolExecutor pool(2);
  std::atomic<bool> cancelledRan{false};
  const TimerId cancelled = pool.postAfter(milliseconds(20), [&] { cancelledRan = true; });
  EXPECT_NE(cancelled, TimerId::kNone);
  EXPECT_TRUE(pool.cancel(cancelled));
  EXPECT_FALSE(pool.cancel(cancelled));
  EXPECT_FALSE(pool.cancel(TimerId{987654}));

  // A later timer firing proves the cancelled one's time has passed.
  std::promise<void> laterFired;
  const TimerId later = pool.postAfter(milliseconds(40), [&] { laterFired.set_value(); });
  ASSERT_EQ(laterFired.get_future().wait_for(test::kAwaitMax), std::future_status::ready);
  EXPECT_FALSE(cancelledRan.load());
  EXPECT_FALSE(pool.cancel(later)) << "it already ran";
  pool.shutdown();
}

TEST(ThreadPoolExecutorTest, EscapingExceptionsAreCountedAndWorkersCarryOn) {
  ThreadPoolExecutor pool(1);
  pool.post([] { throw std::runtime_error("bug"); });
  pool.post([] { throw 3; });
  std::promise<void> after;
  pool.post([&] { after.set_value(); });
  ASSERT_EQ(after.get_future().wait_for(test::kAwaitMax), std::future_status::ready);
  pool.shutdown();
  EXPECT_EQ(pool.escapedExceptions(), 2u);
}

TEST(ThreadPoolExecutorTest, ShutdownRunsPostedTasksAndWhatTheyPostThenJoins) {
  ThreadPoolExecutor pool(2);
  Await gate;
  bool open = false;
  // Both workers block, so everything posted next is still queued when shutdown begins.
  for (int i = 0; i < 2; ++i) {
    pool.post([&] { ASSERT_TRUE(gate.waitFor([&] { return open; })); });
  }
  std::atomic<int> ran{0};
  for (int i = 0; i < 100; ++i) {
    pool.post([&] {
      ++ran;
      pool.post([&] { ++ran; });  // posted during shutdown: still runs
    });
  }
  std::atomic<bool> timerRan{false};
  pool.postAfter(std::chrono::hours(1), [&] { timerRan = true; });

  std::thread stopper([&] { pool.shutdown(); });
  // Shutdown has begun once the pool refuses new timers; then let the workers go.
  const auto deadline = std::chrono::steady_clock::now() + test::kAwaitMax;
  // A probe that shutdown cancels before we do is one more timer it dropped and counted.
  std::uint64_t probesDroppedByShutdown = 0;
  for (;;) {
    const TimerId probe = pool.postAfter(std::chrono::hours(1), [] {});
    if (probe == TimerId::kNone) break;
    if (!pool.cancel(probe)) ++probesDroppedByShutdown;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "shutdown never began";
    std::this_thread::yield();
  }
  gate.update([&] { open = true; });
  stopper.join();
  EXPECT_EQ(ran.load(), 200);
  EXPECT_FALSE(timerRan.load()) << "timers not yet due are dropped";
  EXPECT_EQ(pool.cancelledTimers(), 1u + probesDroppedByShutdown) << "and counted";
  EXPECT_GE(pool.refusedTasks(), 1u) << "the probes posted once shutdown began were refused";
  pool.shutdown();  // idempotent
}

TEST(ThreadPoolExecutorTest, APostAfterShutdownIsRefusedVisiblyAndItsTaskReleasedAtOnce) {
  ThreadPoolExecutor pool(2);
  pool.shutdown();
  const std::uint64_t refusedBefore = pool.refusedTasks();
  auto captured = std::make_shared<int>(0);
  std::atomic<bool> ran{false};
  EXPECT_FALSE(pool.post([captured, &ran] { ran = true; }));
  EXPECT_EQ(captured.use_count(), 1) << "the refused task is not kept anywhere";
  EXPECT_EQ(pool.postAfter(milliseconds(1), [&ran] { ran = true; }), TimerId::kNone);
  EXPECT_EQ(pool.refusedTasks(), refusedBefore + 2);
  EXPECT_FALSE(ran.load());
}

TEST(ThreadPoolExecutorTest, TheDestructorShutsDownAfterRunningPostedTasks) {
  std::atomic<int> ran{0};
  {
    ThreadPoolExecutor pool(3);
    for (int i = 0; i < 50; ++i) pool.post([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace spread::core
