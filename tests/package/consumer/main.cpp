// A user of the installed Spread package: a broker on virtual time carries one chat message
// to a typed handler and to a gmock subscriber. Prints "spread_consumer: ok" on success.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>

#include "spread/core/broker.h"
#include "spread/core/chat_codec.h"
#include "spread/core/manual_executor.h"
#include "spread/core/typed_topic.h"
#include "spread/testing/mock_subscriber.h"

namespace {

using ::testing::_;
using ::testing::Return;
using ::testing::StrictMock;
using spread::core::ChatMessage;

TEST(ConsumerTest, PublishesAndReceivesAChatMessage) {
  spread::core::ManualClock clock;
  spread::core::ManualExecutor executor(clock);
  spread::core::Broker broker(clock, executor);
  spread::core::TopicLookup lookup = broker.topic("chat");
  ASSERT_TRUE(lookup.ok()) << lookup.error;

  spread::core::TypedTopic<ChatMessage> chat(lookup.topic);
  std::vector<ChatMessage> received;
  ASSERT_TRUE(chat.subscribe([&](const ChatMessage& m) { received.push_back(m); }).ok());
  auto mock = std::make_shared<StrictMock<spread::testing::MockSubscriber>>();
  ASSERT_TRUE(lookup.topic->subscribe(mock).ok());
  EXPECT_CALL(*mock, deliver(_)).WillOnce(Return(spread::core::Delivery::kAccepted));
  EXPECT_CALL(*mock, close(spread::core::CloseReason::kGoingAway));

  ASSERT_EQ(chat.tryPublish(ChatMessage{"ann", "hello"}), spread::core::PublishOutcome::kAccepted);
  executor.runUntilIdle();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0], (ChatMessage{"ann", "hello"}));

  bool completed = false;
  broker.shutdown(std::chrono::seconds(1), [&](spread::core::CloseOutcome outcome) {
    completed = outcome == spread::core::CloseOutcome::kCompleted;
  });
  executor.runUntilIdle();
  EXPECT_TRUE(completed);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  if (failed == 0) std::cout << "spread_consumer: ok" << std::endl;
  return failed;
}
