// Proves the delivery-delay target: a topic admits a message only while the fan-out it would
// wait for is expected to end within TopicOptions::deliveryDelayTarget, measured on the
// broker's Clock, so that what it accepts is delivered in time and publishers hear "busy"
// instead. A fan-out "takes time" here through a subscriber that moves the ManualClock.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "test_support.h"

namespace spread::core {
namespace {

using std::chrono::milliseconds;
using test::VirtualBroker;

/// Takes `cost` of virtual time for every delivery, and notes when each message reached it.
class CostlySubscriber final : public Subscriber {
 public:
  CostlySubscriber(ManualClock& clock, Duration cost) : clock_(clock), cost_(cost) {}

  Delivery deliver(const MessagePtr& message) override {
    waited.push_back(clock_.now() - message->acceptedAt());
    texts.push_back(message->bytes());
    clock_.advanceBy(cost_);
    return Delivery::kAccepted;
  }
  void close(CloseReason) override {}

  void setCost(Duration cost) { cost_ = cost; }

  std::vector<Duration> waited;  // from acceptance to the start of its delivery
  std::vector<std::string> texts;

 private:
  ManualClock& clock_;
  Duration cost_;
};

constexpr Duration kTarget = milliseconds(50);

BrokerOptions withTarget(Duration target) {
  return BrokerOptions{.topic = {.inboundMessagesMax = 1024, .fanoutBatchMax = 64, .deliveryDelayTarget = target}};
}

class DeliveryDelayTest : public ::testing::Test {
 protected:
  // Subscribes a subscriber whose deliveries cost `cost`, and measures the pace with one
  // message, so that the topic knows what a fan-out costs.
  std::shared_ptr<CostlySubscriber> measuredAt(Duration cost) {
    auto subscriber = std::make_shared<CostlySubscriber>(env_.clock, cost);
    EXPECT_TRUE(topic_->subscribe(subscriber).ok());
    EXPECT_EQ(topic_->tryPublish(Payload::raw("warm-up")), PublishOutcome::kAccepted);
    env_.executor.runUntilIdle();
    EXPECT_EQ(topic_->stats().deliveryDelayExpected, cost);
    return subscriber;
  }

  // Publishes with tryPublish() until the topic says busy; returns how many it accepted.
  int publishUntilBusy(int limit = 1000) {
    for (int i = 0; i < limit; ++i) {
      if (topic_->tryPublish(Payload::raw(std::to_string(i))) == PublishOutcome::kBusy) return i;
    }
    return limit;
  }

  VirtualBroker env_{withTarget(kTarget)};
  std::shared_ptr<Topic> topic_ = env_.topic("chat");
};

TEST_F(DeliveryDelayTest, BeforeItsFirstFanOutIsMeasuredATopicAdmitsOnlyIntoAnEmptyQueue) {
  auto subscriber = std::make_shared<CostlySubscriber>(env_.clock, milliseconds(10));
  ASSERT_TRUE(topic_->subscribe(subscriber).ok());
  EXPECT_EQ(topic_->tryPublish(Payload::raw("first")), PublishOutcome::kAccepted);
  EXPECT_EQ(topic_->tryPublish(Payload::raw("second")), PublishOutcome::kBusy);
  EXPECT_EQ(topic_->stats().rejectedBusy, 1u);
}

TEST_F(DeliveryDelayTest, TheMeasuredPaceBoundsTheQueueByTimeAndEveryAcceptedMessageIsDeliveredWithinTheTarget) {
  auto subscriber = measuredAt(milliseconds(10));
  // 10 ms a message: the fifth queued message is done 50 ms from now, the sixth would not be.
  EXPECT_EQ(publishUntilBusy(), 5);
  EXPECT_EQ(topic_->stats().inbound, 5u);
  EXPECT_EQ(topic_->stats().deliveryDelayExpected, milliseconds(60));

  env_.executor.runUntilIdle();
  ASSERT_EQ(subscriber->texts, (std::vector<std::string>{"warm-up", "0", "1", "2", "3", "4"}));
  for (Duration waited : subscriber->waited) EXPECT_LE(waited + milliseconds(10), kTarget);
}

TEST_F(DeliveryDelayTest, ASlowerFanOutAdmitsFewerMessages) {
  measuredAt(milliseconds(25));
  EXPECT_EQ(publishUntilBusy(), 2);  // 25 and 50 ms
}

TEST_F(DeliveryDelayTest, AMessageThatFindsTheQueueEmptyIsAdmittedEvenIfOneFanOutOutlastsTheTarget) {
  auto subscriber = measuredAt(milliseconds(200));
  EXPECT_EQ(topic_->tryPublish(Payload::raw("alone")), PublishOutcome::kAccepted);
  EXPECT_EQ(topic_->tryPublish(Payload::raw("behind it")), PublishOutcome::kBusy);
  env_.executor.runUntilIdle();
  EXPECT_EQ(subscriber->texts.back(), "alone");
  EXPECT_EQ(topic_->tryPublish(Payload::raw("next")), PublishOutcome::kAccepted);
}

TEST_F(DeliveryDelayTest, AQueueWhoseDrainHasNotRunIsFullOnceItsOldestMessageWaitedTheTarget) {
  measuredAt(milliseconds(0));  // a free fan-out: only the waiting itself can refuse
  ASSERT_EQ(topic_->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);
  ASSERT_EQ(topic_->tryPublish(Payload::raw("b")), PublishOutcome::kAccepted);
  // The drain task is posted but has not run: its thread is busy elsewhere.
  env_.clock.advanceBy(kTarget);
  EXPECT_EQ(topic_->tryPublish(Payload::raw("c")), PublishOutcome::kAccepted);  // 50 ms: still in time
  env_.clock.advanceBy(milliseconds(1));
  EXPECT_EQ(topic_->tryPublish(Payload::raw("d")), PublishOutcome::kBusy);
}

TEST_F(DeliveryDelayTest, AWaitingPublishIsAdmittedInOrderAsTheBacklogShrinks) {
  auto subscriber = measuredAt(milliseconds(10));
  ASSERT_EQ(publishUntilBusy(), 5);
  std::vector<PublishOutcome> outcomes;
  for (const char* text : {"w1", "w2"}) {
    topic_->publish(Payload::raw(text), milliseconds(500), [&outcomes](PublishOutcome o) { outcomes.push_back(o); });
  }
  EXPECT_TRUE(outcomes.empty());
  EXPECT_EQ(topic_->stats().waitingPublishes, 2u);
  EXPECT_EQ(topic_->tryPublish(Payload::raw("late")), PublishOutcome::kBusy);  // not ahead of them

  env_.executor.runUntilIdle();
  EXPECT_EQ(outcomes, (std::vector<PublishOutcome>{PublishOutcome::kAccepted, PublishOutcome::kAccepted}));
  EXPECT_EQ(subscriber->texts, (std::vector<std::string>{"warm-up", "0", "1", "2", "3", "4", "w1", "w2"}));
  for (std::size_t i = 0; i < subscriber->waited.size(); ++i) EXPECT_LE(subscriber->waited[i] + milliseconds(10), kTarget) << subscriber->texts[i];
}

TEST(DeliveryDelayWaitTest, AWaitingPublishTimesOutWhenTheBacklogOutlastsItsWait) {
  // One message per drain task, so that the waiter's timer runs between two fan-outs.
  VirtualBroker env{BrokerOptions{.topic = {.fanoutBatchMax = 1, .deliveryDelayTarget = kTarget}}};
  auto topic = env.topic("chat");
  auto subscriber = std::make_shared<CostlySubscriber>(env.clock, milliseconds(20));
  ASSERT_TRUE(topic->subscribe(subscriber).ok());
  ASSERT_EQ(topic->tryPublish(Payload::raw("warm-up")), PublishOutcome::kAccepted);
  env.executor.runUntilIdle();
  ASSERT_EQ(topic->tryPublish(Payload::raw("1")), PublishOutcome::kAccepted);
  ASSERT_EQ(topic->tryPublish(Payload::raw("2")), PublishOutcome::kAccepted);  // done in 40 ms
  ASSERT_EQ(topic->tryPublish(Payload::raw("3")), PublishOutcome::kBusy);      // would be 60 ms

  std::vector<PublishOutcome> outcomes;
  topic->publish(Payload::raw("waiting"), milliseconds(10), [&outcomes](PublishOutcome o) { outcomes.push_back(o); });
  // Fanning out "1" takes 20 ms, and "2" stays queued behind it: no room before the deadline.
  env.executor.runUntilIdle();
  EXPECT_EQ(outcomes, std::vector<PublishOutcome>{PublishOutcome::kTimedOut});
  EXPECT_EQ(subscriber->texts, (std::vector<std::string>{"warm-up", "1", "2"}));
}

TEST_F(DeliveryDelayTest, ThePaceFollowsAFanOutThatGetsCheaper) {
  auto subscriber = measuredAt(milliseconds(25));
  subscriber->setCost(milliseconds(1));
  for (int round = 0; round < 40; ++round) {
    ASSERT_EQ(topic_->tryPublish(Payload::raw("r")), PublishOutcome::kAccepted);
    ASSERT_EQ(topic_->tryPublish(Payload::raw("r")), PublishOutcome::kAccepted);
    env_.executor.runUntilIdle();
  }
  EXPECT_LT(topic_->stats().deliveryDelayExpected, milliseconds(2));
  EXPECT_GE(publishUntilBusy(), 20);
}

TEST(DeliveryDelayOffTest, AZeroTargetBoundsTheQueueByCountOnly) {
  VirtualBroker env{withTarget(Duration::zero())};
  auto topic = env.topic("chat");
  auto subscriber = std::make_shared<CostlySubscriber>(env.clock, milliseconds(200));
  ASSERT_TRUE(topic->subscribe(subscriber).ok());
  for (int i = 0; i < 1024; ++i) ASSERT_EQ(topic->tryPublish(Payload::raw("m")), PublishOutcome::kAccepted);
  EXPECT_EQ(topic->tryPublish(Payload::raw("m")), PublishOutcome::kBusy);
}

}  // namespace
}  // namespace spread::core
