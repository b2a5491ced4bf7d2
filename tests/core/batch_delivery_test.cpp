// Proves that a topic hands a subscriber every message it has ready in one deliverAll() call,
// that QueueSubscriber takes such a run under one lock and wakes its reader once for it, and
// that a subscriber taking one at a time (the default) is offered the rest until it ends.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "spread/core/queue_subscriber.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using test::drainBytes;
using test::VirtualBroker;

MessagePtr message(std::string bytes, std::uint64_t sequence) {
  return std::make_shared<const Message>(sequence, TimePoint{}, Payload::raw(std::move(bytes)));
}

/// Notes how many messages each deliverAll() call offered, and takes them all.
class RunRecorder final : public Subscriber {
 public:
  Delivery deliver(const MessagePtr& message) override { return deliverAll({&message, 1}).outcome; }
  BatchDelivery deliverAll(std::span<const MessagePtr> messages) override {
    runs.push_back(messages.size());
    for (const MessagePtr& each : messages) texts.push_back(each->bytes());
    return BatchDelivery{messages.size(), Delivery::kAccepted};
  }
  void close(CloseReason) override {}

  std::vector<std::size_t> runs;
  std::vector<std::string> texts;
};

TEST(BatchDeliveryTest, ATopicHandsASubscriberEveryReadyMessageInOneCall) {
  VirtualBroker env{BrokerOptions{.topic = {.fanoutBatchMax = 64}}};
  auto topic = env.topic("chat");
  auto recorder = std::make_shared<RunRecorder>();
  ASSERT_TRUE(topic->subscribe(recorder).ok());
  for (const char* text : {"a", "b", "c"}) ASSERT_EQ(topic->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  env.executor.runUntilIdle();
  EXPECT_THAT(recorder->runs, ElementsAre(3u));
  EXPECT_THAT(recorder->texts, ElementsAre("a", "b", "c"));
  EXPECT_EQ(topic->stats().delivered, 3u);
}

TEST(BatchDeliveryTest, ARunIsCutAtTheTasksShareAndTheRestFollowsInTheNextTask) {
  VirtualBroker env{BrokerOptions{.topic = {.fanoutBatchMax = 2}}};
  auto topic = env.topic("chat");
  auto recorder = std::make_shared<RunRecorder>();
  ASSERT_TRUE(topic->subscribe(recorder).ok());
  for (const char* text : {"a", "b", "c"}) ASSERT_EQ(topic->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  env.executor.runUntilIdle();
  EXPECT_THAT(recorder->runs, ElementsAre(2u, 1u));
  EXPECT_THAT(recorder->texts, ElementsAre("a", "b", "c"));
}

TEST(BatchDeliveryTest, ASubscriberGetsOnlyTheMessagesOfARunAcceptedAfterItSubscribed) {
  VirtualBroker env;
  auto topic = env.topic("chat");
  auto early = std::make_shared<RunRecorder>();
  ASSERT_TRUE(topic->subscribe(early).ok());
  ASSERT_EQ(topic->tryPublish(Payload::raw("before")), PublishOutcome::kAccepted);
  auto late = std::make_shared<RunRecorder>();
  ASSERT_TRUE(topic->subscribe(late).ok());
  ASSERT_EQ(topic->tryPublish(Payload::raw("after")), PublishOutcome::kAccepted);
  env.executor.runUntilIdle();  // both go out in one run
  EXPECT_THAT(early->texts, ElementsAre("before", "after"));
  EXPECT_THAT(late->texts, ElementsAre("after"));
  EXPECT_EQ(topic->stats().delivered, 3u);
}

TEST(BatchDeliveryTest, AQueueTakesWhatFitsOfARunAndWakesItsReaderOnce) {
  QueueSubscriber queue(QueueLimits{.messagesMax = 3, .bytesMax = 1 << 20});
  int wakeups = 0;
  queue.setWakeup([&wakeups] { ++wakeups; });
  const std::vector<MessagePtr> run{message("a", 1), message("b", 2), message("c", 3), message("d", 4)};
  const BatchDelivery delivery = queue.deliverAll(run);
  EXPECT_EQ(delivery.accepted, 3u);
  EXPECT_EQ(delivery.outcome, Delivery::kFull);
  EXPECT_EQ(wakeups, 1);
  EXPECT_THAT(drainBytes(queue), ElementsAre("a", "b", "c"));
}

TEST(BatchDeliveryTest, AQueueThatIsNotEmptyTakesARunWithoutWakingItsReader) {
  QueueSubscriber queue(test::roomyQueue());
  int wakeups = 0;
  queue.setWakeup([&wakeups] { ++wakeups; });
  ASSERT_EQ(queue.deliver(message("first", 1)), Delivery::kAccepted);
  const std::vector<MessagePtr> run{message("b", 2), message("c", 3)};
  EXPECT_EQ(queue.deliverAll(run).accepted, 2u);
  EXPECT_EQ(wakeups, 1);  // only for the first, which found it empty
}

TEST(BatchDeliveryTest, ASlowConsumerIsDroppedWhenARunOverflowsItsQueueAndKeepsWhatFit) {
  VirtualBroker env;
  auto topic = env.topic("chat");
  auto queue = std::make_shared<QueueSubscriber>(QueueLimits{.messagesMax = 2, .bytesMax = 1 << 20});
  ASSERT_TRUE(topic->subscribe(queue).ok());
  for (const char* text : {"a", "b", "c"}) ASSERT_EQ(topic->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  env.executor.runUntilIdle();
  EXPECT_EQ(queue->closeReason(), CloseReason::kSlowConsumer);
  EXPECT_EQ(topic->stats().slowConsumersDropped, 1u);
  EXPECT_EQ(topic->stats().delivered, 2u);
  EXPECT_THAT(drainBytes(*queue), ElementsAre("a", "b"));
}

}  // namespace
}  // namespace spread::core
