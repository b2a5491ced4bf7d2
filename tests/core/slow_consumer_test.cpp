// Proves the slow-consumer rule: a subscriber whose queue is full when a message arrives
// is removed and told CloseReason::kSlowConsumer exactly once, never silently, and the
// other subscribers of the topic lose nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
using test::drainBytes;
using test::HasBytes;
using test::VirtualBroker;

class SlowConsumerTest : public ::testing::Test {
 protected:
  void publishAll(std::initializer_list<const char*> texts) {
    for (const char* text : texts) {
      ASSERT_EQ(topic_->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
    }
  }

  VirtualBroker env_;
  std::shared_ptr<Topic> topic_ = env_.topic("chat");
  std::shared_ptr<QueueSubscriber> keeper_ = std::make_shared<QueueSubscriber>(test::roomyQueue());
};

TEST_F(SlowConsumerTest, RefusedDeliveryDropsTheSubscriberOnceAndNothingFollows) {
  auto slow = std::make_shared<StrictMock<MockSubscriber>>();
  ASSERT_TRUE(topic_->subscribe(slow).ok());
  {
    InSequence order;
    EXPECT_CALL(*slow, deliver(HasBytes("1"))).WillOnce(Return(Delivery::kAccepted));
    EXPECT_CALL(*slow, deliver(HasBytes("2"))).WillOnce(Return(Delivery::kFull));
    EXPECT_CALL(*slow, close(CloseReason::kSlowConsumer)).Times(1);
  }
  publishAll({"1", "2", "3", "4"});
  env_.executor.runUntilIdle();
  EXPECT_EQ(topic_->stats().slowConsumersDropped, 1u);
  EXPECT_EQ(topic_->stats().subscribers, 0u);
  publishAll({"5"});
  env_.executor.runUntilIdle();
}

TEST_F(SlowConsumerTest, AFullQueueSubscriberIsClosedAndKeepsWhatItHadQueued) {
  auto slow = std::make_shared<QueueSubscriber>(QueueLimits{.messagesMax = 2, .bytesMax = 1024});
  SubscriptionHandle handle = topic_->subscribe(slow).handle;
  ASSERT_TRUE(topic_->subscribe(keeper_).ok());
  publishAll({"1", "2", "3", "4", "5"});
  env_.executor.runUntilIdle();

  EXPECT_EQ(slow->closeReason(), CloseReason::kSlowConsumer);
  EXPECT_FALSE(handle.active());
  EXPECT_THAT(drainBytes(*slow), ElementsAre("1", "2"));
  EXPECT_THAT(drainBytes(*keeper_), ElementsAre("1", "2", "3", "4", "5"));
  EXPECT_EQ(topic_->stats().slowConsumersDropped, 1u);
  EXPECT_EQ(topic_->stats().subscribers, 1u);
}

TEST_F(SlowConsumerTest, OthersBeforeAndAfterTheSlowOneInFanOutOrderAreUnaffected) {
  auto before = std::make_shared<QueueSubscriber>(test::roomyQueue());
  auto slow = std::make_shared<QueueSubscriber>(QueueLimits{.messagesMax = 1, .bytesMax = 1024});
  ASSERT_TRUE(topic_->subscribe(before).ok());
  ASSERT_TRUE(topic_->subscribe(slow).ok());
  ASSERT_TRUE(topic_->subscribe(keeper_).ok());
  publishAll({"a", "b", "c"});
  env_.executor.runUntilIdle();
  EXPECT_EQ(slow->closeReason(), CloseReason::kSlowConsumer);
  EXPECT_THAT(drainBytes(*before), ElementsAre("a", "b", "c"));
  EXPECT_THAT(drainBytes(*keeper_), ElementsAre("a", "b", "c"));
  EXPECT_EQ(before->closeReason(), std::nullopt);
  EXPECT_EQ(keeper_->closeReason(), std::nullopt);
}

TEST_F(SlowConsumerTest, AReaderThatKeepsUpIsNeverDropped) {
  auto reader = std::make_shared<QueueSubscriber>(QueueLimits{.messagesMax = 2, .bytesMax = 1024});
  ASSERT_TRUE(topic_->subscribe(reader).ok());
  std::vector<std::string> read;
  for (int round = 0; round < 50; ++round) {
    publishAll({"x", "y"});  // exactly fills the queue each round
    env_.executor.runUntilIdle();
    for (auto& text : drainBytes(*reader)) read.push_back(text);
  }
  EXPECT_EQ(read.size(), 100u);
  EXPECT_EQ(reader->closeReason(), std::nullopt);
  EXPECT_EQ(topic_->stats().slowConsumersDropped, 0u);
}

TEST_F(SlowConsumerTest, ASlowConsumerIsNotAlsoToldGoingAwayWhenTheTopicCloses) {
  auto slow = std::make_shared<StrictMock<MockSubscriber>>();
  ASSERT_TRUE(topic_->subscribe(slow).ok());
  EXPECT_CALL(*slow, deliver(_)).WillOnce(Return(Delivery::kFull));
  EXPECT_CALL(*slow, close(CloseReason::kSlowConsumer)).Times(1);
  publishAll({"1", "2"});
  topic_->close(std::chrono::seconds(1), [](CloseOutcome) {});
  env_.executor.runUntilIdle();
}

}  // namespace
}  // namespace spread::core
