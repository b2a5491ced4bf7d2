// Proves subscribing and unsubscribing: a subscriber gets what is fanned out while subscribed
// and nothing after; unsubscribe is safe any time (twice, after close, after a slow-consumer
// drop, from its own handler, after the broker is gone). StrictMocks catch any extra call.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "spread/core/handler_subscriber.h"
#include "spread/testing/mock_subscriber.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::InSequence;
using ::testing::Return;
using ::testing::StrictMock;
using spread::testing::MockSubscriber;
using std::chrono::milliseconds;
using test::HasBytes;
using test::VirtualBroker;

class SubscribeTest : public ::testing::Test {
 protected:
  void publish(const char* text) {
    ASSERT_EQ(topic_->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  }
  void run() {
    env_.executor.runUntilIdle();
    ASSERT_EQ(env_.executor.escapedExceptions(), 0u);
  }

  VirtualBroker env_;
  std::shared_ptr<Topic> topic_ = env_.topic("chat");
  std::shared_ptr<StrictMock<MockSubscriber>> mock_ = std::make_shared<StrictMock<MockSubscriber>>();
};

TEST_F(SubscribeTest, ReceivesOnlyWhatIsFannedOutAfterSubscribing) {
  publish("before");
  run();
  ASSERT_TRUE(topic_->subscribe(mock_).ok());
  EXPECT_CALL(*mock_, deliver(HasBytes("after"))).WillOnce(Return(Delivery::kAccepted));
  publish("after");
  run();
  EXPECT_EQ(topic_->stats().subscribers, 1u);
  EXPECT_EQ(topic_->stats().delivered, 1u);
}

TEST_F(SubscribeTest, AMessageAcceptedBeforeTheSubscriptionIsNotItsEvenIfItsFanOutRunsLater) {
  auto first = std::make_shared<QueueSubscriber>(test::roomyQueue());
  ASSERT_TRUE(topic_->subscribe(first).ok());
  publish("accepted before");  // its fan-out is posted, not run
  ASSERT_TRUE(topic_->subscribe(mock_).ok());
  EXPECT_CALL(*mock_, deliver(HasBytes("accepted after"))).WillOnce(Return(Delivery::kAccepted));
  publish("accepted after");
  run();
  EXPECT_THAT(test::drainBytes(*first), ElementsAre("accepted before", "accepted after"));
}

TEST_F(SubscribeTest, SubscribingToAClosingOrClosedTopicFailsAndNeverCallsTheSubscriber) {
  topic_->close(milliseconds(10), [](CloseOutcome) {});
  SubscribeResult whileClosing = topic_->subscribe(mock_);
  EXPECT_EQ(whileClosing.status, SubscribeResult::Status::kTopicClosed);
  EXPECT_FALSE(whileClosing.handle.active());
  run();
  EXPECT_EQ(topic_->subscribe(mock_).status, SubscribeResult::Status::kTopicClosed);
  EXPECT_FALSE(topic_->subscribe(mock_).handle.unsubscribe());
}

TEST_F(SubscribeTest, UnsubscribeEndsTheSubscriptionWithItsReasonAndStopsDeliveries) {
  SubscribeResult result = topic_->subscribe(mock_);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.handle.active());
  EXPECT_CALL(*mock_, deliver(HasBytes("one"))).WillOnce(Return(Delivery::kAccepted));
  publish("one");
  run();

  EXPECT_CALL(*mock_, close(CloseReason::kUnsubscribed));
  EXPECT_TRUE(result.handle.unsubscribe());
  EXPECT_FALSE(result.handle.active());
  EXPECT_EQ(topic_->stats().subscribers, 0u);
  publish("two");
  run();
}

TEST_F(SubscribeTest, UnsubscribeBetweenAcceptanceAndFanOutDeliversNothingMore) {
  ASSERT_TRUE(topic_->subscribe(mock_).ok());
  SubscriptionHandle handle = topic_->subscribe(mock_).handle;  // a second subscription
  EXPECT_CALL(*mock_, deliver(HasBytes("one"))).WillOnce(Return(Delivery::kAccepted));
  EXPECT_CALL(*mock_, close(CloseReason::kUnsubscribed));
  publish("one");  // accepted; fan-out has not run yet
  EXPECT_TRUE(handle.unsubscribe());
  run();
}

TEST_F(SubscribeTest, SecondUnsubscribeReturnsFalseAndClosesNothing) {
  SubscriptionHandle handle = topic_->subscribe(mock_).handle;
  EXPECT_CALL(*mock_, close(CloseReason::kUnsubscribed)).Times(1);
  EXPECT_TRUE(handle.unsubscribe());
  EXPECT_FALSE(handle.unsubscribe());
  SubscriptionHandle copy = handle;
  EXPECT_FALSE(copy.unsubscribe());
}

TEST_F(SubscribeTest, CopiesOfAHandleShareOneSubscription) {
  SubscriptionHandle handle = topic_->subscribe(mock_).handle;
  SubscriptionHandle copy = handle;
  EXPECT_CALL(*mock_, close(CloseReason::kUnsubscribed)).Times(1);
  EXPECT_TRUE(copy.unsubscribe());
  EXPECT_FALSE(handle.active());
  EXPECT_FALSE(handle.unsubscribe());
}

TEST_F(SubscribeTest, DroppingEveryHandleDoesNotUnsubscribe) {
  { SubscriptionHandle dropped = topic_->subscribe(mock_).handle; }
  EXPECT_CALL(*mock_, deliver(HasBytes("still"))).WillOnce(Return(Delivery::kAccepted));
  publish("still");
  run();
  EXPECT_EQ(topic_->stats().subscribers, 1u);
  EXPECT_CALL(*mock_, close(CloseReason::kGoingAway));
  topic_->close(milliseconds(10), [](CloseOutcome) {});
  run();
}

TEST_F(SubscribeTest, DefaultHandleRefersToNothing) {
  SubscriptionHandle nothing;
  EXPECT_FALSE(nothing.active());
  EXPECT_FALSE(nothing.unsubscribe());
}

TEST_F(SubscribeTest, UnsubscribeAfterTheTopicClosedReturnsFalse) {
  SubscriptionHandle handle = topic_->subscribe(mock_).handle;
  EXPECT_CALL(*mock_, close(CloseReason::kGoingAway)).Times(1);
  topic_->close(milliseconds(10), [](CloseOutcome) {});
  run();
  EXPECT_FALSE(handle.active());
  EXPECT_FALSE(handle.unsubscribe());
}

TEST_F(SubscribeTest, UnsubscribeAfterBeingDroppedAsSlowReturnsFalse) {
  SubscriptionHandle handle = topic_->subscribe(mock_).handle;
  EXPECT_CALL(*mock_, deliver(_)).WillOnce(Return(Delivery::kFull));
  EXPECT_CALL(*mock_, close(CloseReason::kSlowConsumer)).Times(1);
  publish("too much");
  run();
  EXPECT_FALSE(handle.active());
  EXPECT_FALSE(handle.unsubscribe());  // the Go original panics here
}

TEST_F(SubscribeTest, UnsubscribeAfterTheBrokerIsGoneIsSafe) {
  auto env = std::make_unique<VirtualBroker>();
  SubscriptionHandle handle = env->topic("chat")->subscribe(mock_).handle;
  env.reset();  // broker, topic and executor are gone; the handle outlives them
  EXPECT_CALL(*mock_, close(CloseReason::kUnsubscribed)).Times(1);
  EXPECT_TRUE(handle.unsubscribe());
  EXPECT_FALSE(handle.unsubscribe());
}

TEST_F(SubscribeTest, AHandlerMayUnsubscribeItselfFromInsideItsCall) {
  std::vector<std::string> seen;
  std::vector<CloseReason> closes;
  std::vector<bool> unsubscribeResults;
  auto handle = std::make_shared<SubscriptionHandle>();
  auto self = std::make_shared<HandlerSubscriber>(
      [&, handle](const MessagePtr& m) {
        seen.push_back(m->bytes());
        unsubscribeResults.push_back(handle->unsubscribe());
      },
      [&](CloseReason reason) { closes.push_back(reason); });
  *handle = topic_->subscribe(self).handle;
  publish("1");
  publish("2");
  run();
  EXPECT_THAT(seen, ElementsAre("1"));
  EXPECT_THAT(unsubscribeResults, ElementsAre(true));
  EXPECT_THAT(closes, ElementsAre(CloseReason::kUnsubscribed));
  EXPECT_EQ(topic_->stats().subscribers, 0u);
}

TEST_F(SubscribeTest, UnsubscribingAnotherSubscriberMidFanOutStopsItsDeliveryOfThatMessage) {
  SubscriptionHandle victim;
  auto first = std::make_shared<HandlerSubscriber>([&](const MessagePtr&) { victim.unsubscribe(); });
  ASSERT_TRUE(topic_->subscribe(first).ok());
  victim = topic_->subscribe(mock_).handle;  // later in the fan-out list
  EXPECT_CALL(*mock_, close(CloseReason::kUnsubscribed));
  publish("one");
  run();
  EXPECT_EQ(topic_->stats().delivered, 1u) << "only the first subscriber took the message";
}

TEST_F(SubscribeTest, AnEndedSubscriptionLetsGoOfItsSubscriberWhileHandlesRemain) {
  SubscriptionHandle unsubscribed = topic_->subscribe(mock_).handle;
  auto slow = std::make_shared<StrictMock<MockSubscriber>>();
  SubscriptionHandle dropped = topic_->subscribe(slow).handle;
  auto closing = std::make_shared<StrictMock<MockSubscriber>>();
  SubscriptionHandle closed = topic_->subscribe(closing).handle;
  EXPECT_CALL(*mock_, close(CloseReason::kUnsubscribed));
  EXPECT_CALL(*slow, deliver(_)).WillOnce(Return(Delivery::kFull));
  EXPECT_CALL(*slow, close(CloseReason::kSlowConsumer));
  EXPECT_CALL(*closing, deliver(_)).WillOnce(Return(Delivery::kAccepted));
  EXPECT_CALL(*closing, close(CloseReason::kGoingAway));

  EXPECT_TRUE(unsubscribed.unsubscribe());
  publish("x");
  topic_->close(milliseconds(10), [](CloseOutcome) {});
  run();
  std::weak_ptr<MockSubscriber> weakUnsubscribed = mock_;
  std::weak_ptr<MockSubscriber> weakDropped = slow;
  std::weak_ptr<MockSubscriber> weakClosed = closing;
  mock_.reset();
  slow.reset();
  closing.reset();
  EXPECT_TRUE(weakUnsubscribed.expired());
  EXPECT_TRUE(weakDropped.expired());
  EXPECT_TRUE(weakClosed.expired());
}

TEST_F(SubscribeTest, TwoHandlersFromOneLambdaAreSeparateSubscriptions) {
  std::vector<std::string> seen;
  auto record = [&seen](const MessagePtr& m) { seen.push_back(m->bytes()); };
  SubscriptionHandle a = topic_->subscribe(std::make_shared<HandlerSubscriber>(record)).handle;
  SubscriptionHandle b = topic_->subscribe(std::make_shared<HandlerSubscriber>(record)).handle;
  EXPECT_EQ(topic_->stats().subscribers, 2u);
  publish("both");
  run();
  EXPECT_THAT(seen, ElementsAre("both", "both"));

  EXPECT_TRUE(a.unsubscribe());
  EXPECT_TRUE(b.active());
  seen.clear();
  publish("one");
  run();
  EXPECT_THAT(seen, ElementsAre("one"));
}

TEST_F(SubscribeTest, TheSameSubscriberObjectMaySubscribeTwice) {
  ASSERT_TRUE(topic_->subscribe(mock_).ok());
  SubscriptionHandle second = topic_->subscribe(mock_).handle;
  {
    InSequence order;
    EXPECT_CALL(*mock_, deliver(HasBytes("x"))).Times(2).WillRepeatedly(Return(Delivery::kAccepted));
    EXPECT_CALL(*mock_, close(CloseReason::kUnsubscribed));
    EXPECT_CALL(*mock_, deliver(HasBytes("y"))).WillOnce(Return(Delivery::kAccepted));
  }
  publish("x");
  run();
  EXPECT_TRUE(second.unsubscribe());
  publish("y");
  run();
  EXPECT_CALL(*mock_, close(CloseReason::kGoingAway));
  topic_->close(milliseconds(1), [](CloseOutcome) {});
  run();
}

}  // namespace
}  // namespace spread::core
