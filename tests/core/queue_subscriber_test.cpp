// Proves QueueSubscriber on its own: bounded in messages and in bytes, a single oversize
// message still taken when the queue is empty, oldest-first popping that frees room, the
// wakeup edge (empty to non-empty, and close), and that the first close reason sticks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "spread/core/queue_subscriber.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using test::drainBytes;

MessagePtr message(std::string bytes, std::uint64_t sequence = 1) {
  return std::make_shared<const Message>(sequence, TimePoint{}, Payload::raw(std::move(bytes)));
}

TEST(QueueSubscriberTest, RefusesTheMessageBeyondMessagesMax) {
  QueueSubscriber queue(QueueLimits{.messagesMax = 3, .bytesMax = 1 << 20});
  for (const char* text : {"a", "b", "c"}) EXPECT_EQ(queue.deliver(message(text)), Delivery::kAccepted);
  EXPECT_EQ(queue.deliver(message("d")), Delivery::kFull);
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_THAT(drainBytes(queue), ElementsAre("a", "b", "c"));
}

TEST(QueueSubscriberTest, RefusesAMessageThatWouldExceedBytesMax) {
  QueueSubscriber queue(QueueLimits{.messagesMax = 100, .bytesMax = 10});
  EXPECT_EQ(queue.deliver(message("12345")), Delivery::kAccepted);
  EXPECT_EQ(queue.deliver(message("67890")), Delivery::kAccepted);  // exactly at the bound
  EXPECT_EQ(queue.bytes(), 10u);
  EXPECT_EQ(queue.deliver(message("x")), Delivery::kFull);
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.bytes(), 10u);
}

TEST(QueueSubscriberTest, TakesOneOversizeMessageOnlyWhenEmpty) {
  QueueSubscriber queue(QueueLimits{.messagesMax = 100, .bytesMax = 4});
  const std::string big(64, 'B');
  EXPECT_EQ(queue.deliver(message(big)), Delivery::kAccepted);
  EXPECT_EQ(queue.bytes(), 64u);
  EXPECT_EQ(queue.deliver(message("s")), Delivery::kFull) << "over the byte bound now";
  ASSERT_TRUE(queue.tryPop().has_value());
  EXPECT_EQ(queue.deliver(message("s")), Delivery::kAccepted);
  EXPECT_EQ(queue.deliver(message(big)), Delivery::kFull) << "oversize and not empty";
}

TEST(QueueSubscriberTest, PoppingFreesRoomInMessagesAndBytes) {
  QueueSubscriber queue(QueueLimits{.messagesMax = 2, .bytesMax = 6});
  ASSERT_EQ(queue.deliver(message("abc", 1)), Delivery::kAccepted);
  ASSERT_EQ(queue.deliver(message("def", 2)), Delivery::kAccepted);
  auto first = queue.tryPop();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ((*first)->sequence(), 1u);
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue.bytes(), 3u);
  EXPECT_EQ(queue.deliver(message("ghi", 3)), Delivery::kAccepted);
  auto rest = queue.popUpTo(1);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0]->bytes(), "def");
  EXPECT_EQ(queue.popUpTo(99).size(), 1u);
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_EQ(queue.tryPop(), std::nullopt);
  EXPECT_TRUE(queue.popUpTo(5).empty());
}

TEST(QueueSubscriberTest, KeepsTheSameMessageObjectItWasGiven) {
  QueueSubscriber queue(test::roomyQueue());
  MessagePtr sent = message("same");
  ASSERT_EQ(queue.deliver(sent), Delivery::kAccepted);
  EXPECT_EQ(queue.tryPop(), sent);
}

TEST(QueueSubscriberTest, WakesOnlyWhenGoingFromEmptyToNonEmptyAndOnClose) {
  QueueSubscriber queue(QueueLimits{.messagesMax = 2, .bytesMax = 1024});
  int wakeups = 0;
  queue.setWakeup([&] { ++wakeups; });
  queue.deliver(message("a"));
  EXPECT_EQ(wakeups, 1);
  queue.deliver(message("b"));
  EXPECT_EQ(wakeups, 1) << "already non-empty";
  EXPECT_EQ(queue.deliver(message("c")), Delivery::kFull);
  EXPECT_EQ(wakeups, 1) << "a refused message wakes nobody";
  queue.popUpTo(2);
  queue.deliver(message("d"));
  EXPECT_EQ(wakeups, 2);
  queue.close(CloseReason::kGoingAway);
  EXPECT_EQ(wakeups, 3);
  queue.close(CloseReason::kUnsubscribed);
  EXPECT_EQ(wakeups, 3) << "a second close is ignored";
}

TEST(QueueSubscriberTest, TheFirstCloseReasonSticksAndQueuedMessagesStayPoppable) {
  QueueSubscriber queue(test::roomyQueue());
  EXPECT_EQ(queue.closeReason(), std::nullopt);
  queue.deliver(message("kept"));
  queue.close(CloseReason::kSlowConsumer);
  queue.close(CloseReason::kGoingAway);
  EXPECT_EQ(queue.closeReason(), CloseReason::kSlowConsumer);
  EXPECT_EQ(queue.deliver(message("late")), Delivery::kAccepted) << "ignored, not refused";
  EXPECT_THAT(drainBytes(queue), ElementsAre("kept"));
}

TEST(QueueSubscriberTest, DiscardDropsEverythingQueued) {
  QueueSubscriber queue(QueueLimits{.messagesMax = 2, .bytesMax = 1024});
  queue.deliver(message("a"));
  queue.deliver(message("b"));
  queue.discard();
  EXPECT_EQ(queue.size(), 0u);
  EXPECT_EQ(queue.bytes(), 0u);
  EXPECT_EQ(queue.deliver(message("c")), Delivery::kAccepted);
  EXPECT_EQ(queue.deliver(message("d")), Delivery::kAccepted);
}

}  // namespace
}  // namespace spread::core
