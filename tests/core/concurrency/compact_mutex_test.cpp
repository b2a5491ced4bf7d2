// The four-byte mutex, with real threads: it excludes, and a waiter asleep on a held lock
// is woken by its unlock. Built under ThreadSanitizer too, which checks that what the lock
// guards is ordered by it.
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "await.h"
#include "spread/core/compact_mutex.h"

namespace spread::core {
namespace {

using test::kAwaitMax;

static_assert(sizeof(CompactMutex) == 4, "the point of it is its size");

constexpr int kThreads = 4;
constexpr int kRoundsEach = 20000;

template <class Mutex>
int countUnderContention() {
  Mutex mutex;
  int counter = 0;  // plain: only the lock keeps the increments apart
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRoundsEach; ++i) {
        std::lock_guard lock(mutex);
        ++counter;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return counter;
}

TEST(CompactMutexTest, ThreadsTakingItInTurnNeverOverlap) {
  EXPECT_EQ(countUnderContention<CompactMutex>(), kThreads * kRoundsEach);
}

TEST(CompactMutexTest, TryLockFailsWhileAnotherThreadHoldsItAndSucceedsOnceItIsFree) {
  CompactMutex mutex;
  mutex.lock();
  EXPECT_FALSE(std::async(std::launch::async, [&] { return mutex.try_lock(); }).get());
  mutex.unlock();
  EXPECT_TRUE(std::async(std::launch::async, [&] {
                const bool took = mutex.try_lock();
                if (took) mutex.unlock();
                return took;
              }).get());
}

TEST(CompactMutexTest, AThreadAsleepOnTheLockIsWokenByTheUnlock) {
  CompactMutex mutex;
  mutex.lock();
  std::promise<void> asking;
  auto waiter = std::async(std::launch::async, [&] {
    asking.set_value();
    mutex.lock();  // blocks until the unlock below
    mutex.unlock();
  });
  asking.get_future().wait();
  // The waiter may or may not be asleep yet; either way the unlock must let it through.
  mutex.unlock();
  ASSERT_EQ(waiter.wait_for(kAwaitMax), std::future_status::ready) << "the waiter was never woken";
}

}  // namespace
}  // namespace spread::core
