// Proves what a Session does when the executor refuses its work (it has stopped): a refused
// ping timer ends the session with 1001, and a wakeup whose task is refused while another
// thread holds the session's lock is paid by that thread when it lets go, so the message
// still goes out. The second test uses one real thread, to hold the lock; every wait on it
// has a deadline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "session_fixture.h"

namespace spread::transport {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::StrEq;

using SessionRefusalTest = SessionFixture;

constexpr std::chrono::seconds kWaitMax{20};

TEST_F(SessionRefusalTest, ARefusedPingTimerEndsTheSessionWith1001) {
  FakeWire wire;
  auto session = open(wire);
  executor_.refuseNewTasks();
  EXPECT_CALL(*wire.connection, close(CloseCode::kGoingAway, StrEq(kReasonShuttingDown))).Times(1);
  executor_.advanceBy(1s);  // the ping timer armed before the refusals fires, and cannot re-arm
  EXPECT_EQ(session->closeCode(), CloseCode::kGoingAway);
}

TEST_F(SessionRefusalTest, AWakeupRefusedWhileTheLockIsHeldIsPaidByTheHolder) {
  FakeWire wire;
  wire.queued = smallLimits().sendWindowBytes;  // a full window: the fan-out pumps nothing
  auto session = open(wire);
  publish("ann", "x");
  ASSERT_TRUE(wire.sent.empty());
  const std::size_t pendingBefore = executor_.pending();  // the ping timer
  publisher_.publish("chat", chat("ann", "a"), [](PublishResult result) { ASSERT_TRUE(result.ok()); });
  ASSERT_EQ(executor_.pending(), pendingBefore + 1) << "the fan-out of 'a' is posted";
  executor_.refuseNewTasks();

  // The first send() happens under the session's lock, on the holder thread: it waits there
  // until the fan-out of "a" has run on this thread.
  std::mutex mutex;
  std::condition_variable changed;
  bool holding = false;
  bool fannedOut = false;
  bool first = true;
  ON_CALL(*wire.connection, send(_)).WillByDefault([&](std::span<const core::MessagePtr> batch) {
    for (const auto& message : batch) wire.sent.push_back(message->bytes());
    std::unique_lock lock(mutex);
    if (!first) return;
    first = false;
    holding = true;
    changed.notify_all();
    EXPECT_TRUE(changed.wait_for(lock, kWaitMax, [&] { return fannedOut; }));
  });
  wire.queued = 0;
  std::thread holder([&] { session->onWritable(); });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, kWaitMax, [&] { return holding; })) << "the holder never sent";
  }
  executor_.runUntilIdle();  // delivers "a"; its wakeup finds the lock held and is refused a task
  {
    std::lock_guard lock(mutex);
    fannedOut = true;
  }
  changed.notify_all();
  holder.join();
  EXPECT_THAT(wire.sent, ElementsAre(chat("ann", "x"), chat("ann", "a")));
  EXPECT_EQ(executor_.refusedTasks(), 1u);
}

}  // namespace
}  // namespace spread::transport
