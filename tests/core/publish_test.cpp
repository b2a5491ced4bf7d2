// Proves publishing: a bounded inbound queue (kBusy when full), waiting publishers admitted in
// arrival order or timed out at their deadline, and kTopicClosed once closing. Time moves only
// through the ManualExecutor, or a "slow" handler that advances the ManualClock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "spread/core/handler_subscriber.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using std::chrono::milliseconds;
using test::drainBytes;
using test::VirtualBroker;

class PublishTest : public ::testing::Test {
 protected:
  PublishTest() { EXPECT_TRUE(topic_->subscribe(queue_).ok()); }

  // Records the outcome of one publish() call and how often its callback ran.
  struct Outcome {
    std::optional<PublishOutcome> value;
    int calls = 0;
    PublishCallback callback() {
      return [this](PublishOutcome o) {
        value = o;
        ++calls;
      };
    }
  };

  VirtualBroker env_{BrokerOptions{.topic = {.inboundMessagesMax = 1, .fanoutBatchMax = 1}}};
  std::shared_ptr<Topic> topic_ = env_.topic("chat");
  std::shared_ptr<QueueSubscriber> queue_ = std::make_shared<QueueSubscriber>(test::roomyQueue());
};

TEST_F(PublishTest, TryPublishIsBusyWhileTheInboundQueueIsFull) {
  VirtualBroker env{BrokerOptions{.topic = {.inboundMessagesMax = 3}}};
  auto topic = env.topic("chat");
  // Someone listens, so accepted messages queue for fan-out (with nobody, none would).
  auto listener = std::make_shared<QueueSubscriber>(test::roomyQueue());
  ASSERT_TRUE(topic->subscribe(listener).ok());
  for (const char* text : {"1", "2", "3"}) {
    ASSERT_EQ(topic->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  }
  EXPECT_EQ(topic->tryPublish(Payload::raw("4")), PublishOutcome::kBusy);
  EXPECT_EQ(topic->stats().inbound, 3u);
  EXPECT_EQ(topic->stats().accepted, 3u);
  EXPECT_EQ(topic->stats().rejectedBusy, 1u);

  env.executor.runUntilIdle();  // fan-out empties the inbound queue
  EXPECT_EQ(topic->stats().inbound, 0u);
  EXPECT_EQ(topic->tryPublish(Payload::raw("5")), PublishOutcome::kAccepted);
}

TEST_F(PublishTest, MessagesCarryGapFreeSequenceNumbersAndTheirAcceptanceTime) {
  VirtualBroker env;
  auto topic = env.topic("chat");
  auto queue = std::make_shared<QueueSubscriber>(test::roomyQueue());
  ASSERT_TRUE(topic->subscribe(queue).ok());
  const TimePoint start = env.clock.now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(topic->tryPublish(Payload::raw(std::to_string(i))), PublishOutcome::kAccepted);
    env.clock.advanceBy(milliseconds(5));
  }
  env.executor.runUntilIdle();
  auto messages = queue->popUpTo(10);
  ASSERT_EQ(messages.size(), 3u);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i]->sequence(), i + 1);
    EXPECT_EQ(messages[i]->acceptedAt(), start + milliseconds(5) * static_cast<int>(i));
  }
}

TEST(PublishWithoutSubscribersTest, IsAcceptedWithoutAFanOutTaskAndLeavesTheOrderIntact) {
  VirtualBroker env{BrokerOptions{.topic = {.inboundMessagesMax = 1, .fanoutBatchMax = 1}}};
  auto topic = env.topic("empty-room");
  // Nobody listens: each publish is accepted at once, with no task and no inbound place
  // taken, so even a one-place queue takes any number of them.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(topic->tryPublish(Payload::raw("unheard")), PublishOutcome::kAccepted);
  EXPECT_EQ(env.executor.pending(), 0u);
  EXPECT_EQ(topic->stats().accepted, 3u);
  EXPECT_EQ(topic->stats().inbound, 0u);

  // Once someone listens, messages queue and fan out in order as before; the sequence
  // numbers count every accepted message.
  auto queue = std::make_shared<QueueSubscriber>(test::roomyQueue());
  ASSERT_TRUE(topic->subscribe(queue).ok());
  ASSERT_EQ(topic->tryPublish(Payload::raw("heard")), PublishOutcome::kAccepted);
  EXPECT_EQ(env.executor.pending(), 1u);
  env.executor.runUntilIdle();
  auto messages = queue->popUpTo(10);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]->bytes(), "heard");
  EXPECT_EQ(messages[0]->sequence(), 4u);
}

TEST_F(PublishTest, PublishWithRoomAnswersInlineBeforeReturning) {
  Outcome outcome;
  topic_->publish(Payload::raw("a"), milliseconds(10), outcome.callback());
  EXPECT_EQ(outcome.value, PublishOutcome::kAccepted);
  EXPECT_EQ(outcome.calls, 1);
}

TEST_F(PublishTest, PublishWithoutRoomAndNoWaitTimesOutInline) {
  ASSERT_EQ(topic_->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);
  Outcome outcome;
  topic_->publish(Payload::raw("b"), Duration::zero(), outcome.callback());
  EXPECT_EQ(outcome.value, PublishOutcome::kTimedOut);
  env_.executor.runUntilIdle();
  EXPECT_THAT(drainBytes(*queue_), ElementsAre("a"));
}

TEST_F(PublishTest, WaitingPublisherIsAdmittedWhenRoomFrees) {
  ASSERT_EQ(topic_->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);
  Outcome outcome;
  topic_->publish(Payload::raw("b"), milliseconds(10), outcome.callback());
  EXPECT_EQ(outcome.calls, 0) << "there is no room yet, so it must wait";
  EXPECT_EQ(topic_->stats().waitingPublishes, 1u);

  env_.executor.runUntilIdle();
  EXPECT_EQ(topic_->stats().waitingPublishes, 0u);
  EXPECT_EQ(outcome.value, PublishOutcome::kAccepted);
  EXPECT_THAT(drainBytes(*queue_), ElementsAre("a", "b"));
  // The admitted publisher's deadline timer was cancelled: nothing fires later.
  EXPECT_EQ(env_.executor.pending(), 0u);
  env_.executor.advanceBy(milliseconds(100));
  EXPECT_EQ(outcome.calls, 1);
}

TEST_F(PublishTest, WaitingPublishersAreAdmittedInArrivalOrderNotDeadlineOrder) {
  ASSERT_EQ(topic_->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);
  std::vector<std::string> admitted;
  const std::vector<std::pair<std::string, milliseconds>> waiters = {
      {"w1", milliseconds(300)}, {"w2", milliseconds(200)}, {"w3", milliseconds(100)}};
  for (const auto& [text, waitMax] : waiters) {
    topic_->publish(Payload::raw(text), waitMax, [&admitted, text = text](PublishOutcome o) {
      EXPECT_EQ(o, PublishOutcome::kAccepted) << text;
      admitted.push_back(text);
    });
  }
  EXPECT_GT(env_.executor.runUntilIdle(), 0u);
  EXPECT_THAT(admitted, ElementsAre("w1", "w2", "w3"));
  EXPECT_THAT(drainBytes(*queue_), ElementsAre("a", "w1", "w2", "w3"));
}

TEST_F(PublishTest, WaitingPublishersGoBeforeALaterTryPublish) {
  ASSERT_EQ(topic_->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);
  Outcome waiter;
  topic_->publish(Payload::raw("w"), milliseconds(100), waiter.callback());
  // One fan-out step: "a" leaves the inbound queue and the waiter takes its place.
  ASSERT_TRUE(env_.executor.runNext());
  EXPECT_EQ(waiter.value, PublishOutcome::kAccepted);
  EXPECT_EQ(topic_->tryPublish(Payload::raw("late")), PublishOutcome::kBusy);
  env_.executor.runUntilIdle();
  EXPECT_EQ(topic_->tryPublish(Payload::raw("late")), PublishOutcome::kAccepted);
  env_.executor.runUntilIdle();
  EXPECT_THAT(drainBytes(*queue_), ElementsAre("a", "w", "late"));
}

// The fan-out of "a" takes `handlerTime` of virtual time. "w1" takes the room "a" left;
// "w2" (waitMax 10 ms) gets room only on the next fan-out step, after `handlerTime`.
class PublishDeadlineTest : public PublishTest {
 protected:
  void runWithSlowHandler(milliseconds handlerTime) {
    auto slow = std::make_shared<HandlerSubscriber>([this, handlerTime](const MessagePtr& m) {
      if (m->bytes() == "a") env_.clock.advanceBy(handlerTime);
    });
    ASSERT_TRUE(topic_->subscribe(slow).ok());
    ASSERT_EQ(topic_->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);
    topic_->publish(Payload::raw("w1"), milliseconds(100), first_.callback());
    topic_->publish(Payload::raw("w2"), milliseconds(10), second_.callback());
    env_.executor.runUntilIdle();
  }
  Outcome first_;
  Outcome second_;
};

TEST_F(PublishDeadlineTest, WaiterTimesOutWhenRoomComesAfterItsDeadline) {
  runWithSlowHandler(milliseconds(11));
  EXPECT_EQ(first_.value, PublishOutcome::kAccepted);
  EXPECT_EQ(second_.value, PublishOutcome::kTimedOut);
  EXPECT_EQ(second_.calls, 1);
  EXPECT_THAT(drainBytes(*queue_), ElementsAre("a", "w1"));
}

TEST_F(PublishDeadlineTest, WaiterIsAdmittedWhenRoomComesBeforeItsDeadline) {
  runWithSlowHandler(milliseconds(9));
  EXPECT_EQ(first_.value, PublishOutcome::kAccepted);
  EXPECT_EQ(second_.value, PublishOutcome::kAccepted);
  EXPECT_EQ(second_.calls, 1);
  EXPECT_THAT(drainBytes(*queue_), ElementsAre("a", "w1", "w2"));
}

TEST_F(PublishTest, PublishingToAClosedTopicIsRefusedInBothForms) {
  topic_->close(milliseconds(10), [](CloseOutcome) {});
  // Closing (not yet closed) already refuses.
  EXPECT_EQ(topic_->tryPublish(Payload::raw("x")), PublishOutcome::kTopicClosed);
  Outcome closing;
  topic_->publish(Payload::raw("x"), milliseconds(10), closing.callback());
  EXPECT_EQ(closing.value, PublishOutcome::kTopicClosed) << "answered inline";

  env_.executor.runUntilIdle();
  ASSERT_TRUE(topic_->closed());
  EXPECT_EQ(topic_->tryPublish(Payload::raw("y")), PublishOutcome::kTopicClosed);
  Outcome closed;
  topic_->publish(Payload::raw("y"), milliseconds(10), closed.callback());
  EXPECT_EQ(closed.value, PublishOutcome::kTopicClosed);
  EXPECT_EQ(topic_->stats().accepted, 0u);
  EXPECT_EQ(queue_->size(), 0u);
}

TEST_F(PublishTest, PublishersWaitingAtCloseAreToldTopicClosed) {
  ASSERT_EQ(topic_->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);
  Outcome first;
  Outcome second;
  topic_->publish(Payload::raw("w1"), milliseconds(100), first.callback());
  topic_->publish(Payload::raw("w2"), milliseconds(100), second.callback());
  std::optional<CloseOutcome> closeOutcome;
  topic_->close(milliseconds(50), [&](CloseOutcome o) { closeOutcome = o; });
  EXPECT_EQ(first.value, PublishOutcome::kTopicClosed);
  EXPECT_EQ(second.value, PublishOutcome::kTopicClosed);

  env_.executor.runUntilIdle();
  EXPECT_EQ(closeOutcome, CloseOutcome::kCompleted);
  EXPECT_THAT(drainBytes(*queue_), ElementsAre("a")) << "the accepted message still goes out";
  EXPECT_TRUE(env_.onlyTheSweepIsPending()) << "every deadline timer was cancelled";
  env_.executor.advanceBy(milliseconds(200));
  EXPECT_EQ(first.calls, 1);
  EXPECT_EQ(second.calls, 1);
}

}  // namespace
}  // namespace spread::core
