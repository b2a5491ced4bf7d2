// Proves the delivery guarantees: all subscriber kinds side by side on one topic; per-publisher
// order; no loss for a subscriber that keeps up; nothing after unsubscribe. Interleavings come
// from seeded runs (the seed is printed on failure), so every run is reproducible.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
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
using test::drainBytes;
using test::HasBytes;
using test::VirtualBroker;

TEST(GuaranteesTest, EverySubscriberKindWorksTogetherOnOneTopic) {
  VirtualBroker env;
  auto topic = env.topic("chat");
  auto queue = std::make_shared<QueueSubscriber>(test::roomyQueue());
  std::vector<std::string> syncEvents;
  std::vector<std::string> asyncEvents;
  auto sync = std::make_shared<HandlerSubscriber>(
      [&](const MessagePtr& m) { syncEvents.push_back(m->bytes()); },
      [&](CloseReason r) { syncEvents.push_back(std::string(toString(r))); });
  auto async = AsyncHandlerSubscriber::create(
      env.executor, [&](const MessagePtr& m) { asyncEvents.push_back(m->bytes()); },
      [&](CloseReason r) { asyncEvents.push_back(std::string(toString(r))); });
  auto mock = std::make_shared<StrictMock<MockSubscriber>>();
  {
    InSequence order;
    for (const char* text : {"a", "b", "c"}) {
      EXPECT_CALL(*mock, deliver(HasBytes(text))).WillOnce(Return(Delivery::kAccepted));
    }
    EXPECT_CALL(*mock, close(CloseReason::kGoingAway));
  }
  for (std::shared_ptr<Subscriber> each : std::vector<std::shared_ptr<Subscriber>>{queue, sync, async, mock}) {
    ASSERT_TRUE(topic->subscribe(each).ok());
  }
  for (const char* text : {"a", "b", "c"}) {
    ASSERT_EQ(topic->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  }
  std::optional<CloseOutcome> outcome;
  topic->close(milliseconds(100), [&](CloseOutcome o) { outcome = o; });
  env.executor.runUntilIdle();

  EXPECT_EQ(outcome, CloseOutcome::kCompleted);
  EXPECT_THAT(drainBytes(*queue), ElementsAre("a", "b", "c"));
  EXPECT_EQ(queue->closeReason(), CloseReason::kGoingAway);
  EXPECT_THAT(syncEvents, ElementsAre("a", "b", "c", "going away"));
  EXPECT_THAT(asyncEvents, ElementsAre("a", "b", "c", "going away"));
  EXPECT_EQ(topic->stats().delivered, 12u);
}

// Several publishers interleave tryPublish and waiting publish calls with fan-out steps on
// a topic whose inbound queue is small; readers pop after every step.
class InterleavingTest : public ::testing::TestWithParam<unsigned> {
 protected:
  static constexpr int kPublishers = 3;
  static constexpr int kMessagesEach = 40;
  static constexpr std::size_t kBatch = 4;

  struct PublisherState {
    int next = 0;          // index of the next message to hand to the topic
    bool waiting = false;  // a publish() call is waiting for room
  };

  static std::string text(int publisher, int index) {
    return std::to_string(publisher) + ":" + std::to_string(index);
  }

  // Checks that `bytes` holds every publisher's messages, each publisher's in order.
  static void expectCompleteAndOrdered(const std::vector<std::string>& bytes, int perPublisher) {
    std::map<int, int> nextExpected;
    for (const std::string& each : bytes) {
      const int publisher = std::stoi(each.substr(0, each.find(':')));
      const int index = std::stoi(each.substr(each.find(':') + 1));
      ASSERT_EQ(index, nextExpected[publisher]) << "publisher " << publisher << " out of order";
      ++nextExpected[publisher];
    }
    for (int p = 0; p < kPublishers; ++p) EXPECT_EQ(nextExpected[p], perPublisher) << "publisher " << p;
  }
};

TEST_P(InterleavingTest, PerPublisherOrderNoLossForKeepersNothingAfterUnsubscribe) {
  SCOPED_TRACE("seed " + std::to_string(GetParam()));
  std::mt19937 random(GetParam());
  VirtualBroker env{BrokerOptions{.topicsMax = 1, .topic = {.inboundMessagesMax = 3, .fanoutBatchMax = kBatch}}};
  auto topic = env.topic("chat");

  // A reader that pops everything after each fan-out step keeps up: its bound is one batch.
  auto keeper = std::make_shared<QueueSubscriber>(QueueLimits{.messagesMax = kBatch, .bytesMax = 1 << 16});
  std::vector<std::string> keeperSeen;
  ASSERT_TRUE(topic->subscribe(keeper).ok());
  std::vector<std::string> handlerSeen;
  ASSERT_TRUE(topic->subscribe(std::make_shared<HandlerSubscriber>(
                                   [&](const MessagePtr& m) { handlerSeen.push_back(m->bytes()); }))
                  .ok());
  // A subscriber that leaves at a random moment must get nothing after that.
  bool left = false;
  SubscriptionHandle leaver = topic->subscribe(std::make_shared<HandlerSubscriber>([&](const MessagePtr&) {
                                                 EXPECT_FALSE(left) << "delivered after unsubscribe";
                                               }))
                                  .handle;
  const int leaveAtStep = static_cast<int>(random() % 200);

  std::vector<PublisherState> publishers(kPublishers);
  std::uint64_t lastSequence = 0;
  auto allHandedOver = [&] {
    for (const auto& p : publishers) {
      if (p.next < kMessagesEach || p.waiting) return false;
    }
    return true;
  };
  for (int step = 0; step < 100'000 && !(allHandedOver() && env.executor.pending() == 0); ++step) {
    if (step == leaveAtStep) {
      ASSERT_TRUE(leaver.unsubscribe());
      left = true;
    }
    const unsigned action = random() % 4;
    PublisherState& publisher = publishers[random() % kPublishers];
    const int index = static_cast<int>(&publisher - publishers.data());
    if (action == 0 && publisher.next < kMessagesEach && !publisher.waiting) {
      if (topic->tryPublish(Payload::raw(text(index, publisher.next))) == PublishOutcome::kAccepted) {
        ++publisher.next;
      }
    } else if (action == 1 && publisher.next < kMessagesEach && !publisher.waiting) {
      publisher.waiting = true;
      topic->publish(Payload::raw(text(index, publisher.next)), std::chrono::hours(1),
                     [&publisher](PublishOutcome o) {
                       EXPECT_EQ(o, PublishOutcome::kAccepted);
                       publisher.waiting = false;
                       ++publisher.next;
                     });
    } else {
      env.executor.runNext();
      for (const MessagePtr& m : keeper->popUpTo(kBatch)) {
        EXPECT_GT(m->sequence(), lastSequence) << "sequence numbers rise";
        lastSequence = m->sequence();
        keeperSeen.push_back(m->bytes());
      }
    }
  }
  ASSERT_TRUE(allHandedOver());
  EXPECT_EQ(keeper->closeReason(), std::nullopt) << "a reader that keeps up is never dropped";
  expectCompleteAndOrdered(keeperSeen, kMessagesEach);
  expectCompleteAndOrdered(handlerSeen, kMessagesEach);
  EXPECT_EQ(lastSequence, static_cast<std::uint64_t>(kPublishers * kMessagesEach));
  EXPECT_TRUE(left);
  EXPECT_EQ(env.executor.escapedExceptions(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, InterleavingTest, ::testing::Range(1u, 21u));

}  // namespace
}  // namespace spread::core
