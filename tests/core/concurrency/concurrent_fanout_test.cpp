// Proves, on real threads, that many publishers fanning out to every subscriber kind keep
// each publisher's order at every subscriber and lose nothing for subscribers that keep up,
// through to a close that delivers everything accepted before kGoingAway.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "real_broker.h"
#include "spread/core/handler_subscriber.h"
#include "spread/core/queue_subscriber.h"

namespace spread::core {
namespace {

using ::testing::IsEmpty;
using std::chrono::seconds;
using test::Await;
using test::OrderChecker;

constexpr int kPublishers = 4;
constexpr int kMessagesEach = 500;
constexpr int kTotal = kPublishers * kMessagesEach;

// A reader thread that pops a QueueSubscriber whenever it wakes, until it is closed.
class QueueReader {
 public:
  explicit QueueReader(std::shared_ptr<QueueSubscriber> queue) : queue_(std::move(queue)) {
    queue_->setWakeup([this] { wake_.update([this] { ++wakeups_; }); });
    thread_ = std::thread([this] { run(); });
  }
  ~QueueReader() {
    queue_->setWakeup({});
    if (thread_.joinable()) thread_.join();
  }
  void join() { thread_.join(); }
  OrderChecker checker;
  bool timedOut = false;

 private:
  void run() {
    for (;;) {
      // Read the wakeup count before emptying the queue, so a message that lands after
      // the queue was seen empty always has a wakeup we have not seen yet.
      const std::uint64_t seen = wake_.read([&] { return wakeups_; });
      for (auto batch = queue_->popUpTo(64); !batch.empty(); batch = queue_->popUpTo(64)) {
        for (const MessagePtr& m : batch) checker.record(m->bytes());
      }
      if (queue_->closeReason() && queue_->size() == 0) return;
      if (!wake_.waitFor([&] { return wakeups_ != seen; })) {
        timedOut = true;
        return;
      }
    }
  }

  std::shared_ptr<QueueSubscriber> queue_;
  Await wake_;
  std::uint64_t wakeups_ = 0;
  std::thread thread_;
};

TEST(ConcurrentFanoutTest, EveryKeeperGetsEveryMessageInPerPublisherOrder) {
  OrderChecker syncChecker;
  OrderChecker asyncChecker;
  Await closed;
  bool asyncClosed = false;
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  Await published;
  test::RealBroker env{BrokerOptions{.topicsMax = 4, .topic = {.inboundMessagesMax = 64, .fanoutBatchMax = 16}}};

  auto topic = env.broker.topic("chat").topic;
  ASSERT_NE(topic, nullptr);
  const QueueLimits roomy{.messagesMax = kTotal, .bytesMax = 1 << 24};
  auto queue = std::make_shared<QueueSubscriber>(roomy);
  QueueReader reader(queue);
  ASSERT_TRUE(topic->subscribe(queue).ok());
  ASSERT_TRUE(topic->subscribe(std::make_shared<HandlerSubscriber>(
                                   [&](const MessagePtr& m) { syncChecker.record(m->bytes()); }))
                  .ok());
  ASSERT_TRUE(topic
                  ->subscribe(AsyncHandlerSubscriber::create(
                      env.pool, [&](const MessagePtr& m) { asyncChecker.record(m->bytes()); },
                      [&](CloseReason reason) {
                        EXPECT_EQ(reason, CloseReason::kGoingAway);
                        closed.update([&] { asyncClosed = true; });
                      },
                      kTotal))
                  .ok());

  auto onOutcome = [&](PublishOutcome outcome) {
    (outcome == PublishOutcome::kAccepted ? accepted : refused)++;
    published.update([] {});
  };
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kMessagesEach; ++i) {
        Payload payload = Payload::raw(test::messageText(p, i));
        // Odd publishers try first and wait only when busy; a waiter keeps its place in line.
        if (p % 2 == 1) {
          Payload copy = payload;
          if (topic->tryPublish(std::move(copy)) == PublishOutcome::kAccepted) {
            onOutcome(PublishOutcome::kAccepted);
            continue;
          }
        }
        topic->publish(std::move(payload), seconds(20), onOutcome);
      }
    });
  }
  for (auto& thread : publishers) thread.join();
  ASSERT_TRUE(published.waitFor([&] { return accepted + refused == kTotal; }));
  EXPECT_EQ(refused.load(), 0);

  std::promise<CloseOutcome> outcome;
  topic->close(seconds(20), [&](CloseOutcome o) { outcome.set_value(o); });
  auto future = outcome.get_future();
  ASSERT_EQ(future.wait_for(test::kAwaitMax), std::future_status::ready);
  EXPECT_EQ(future.get(), CloseOutcome::kCompleted);
  ASSERT_TRUE(closed.waitFor([&] { return asyncClosed; }));
  reader.join();

  EXPECT_FALSE(reader.timedOut);
  EXPECT_EQ(queue->closeReason(), CloseReason::kGoingAway);
  for (OrderChecker* checker : {&reader.checker, &syncChecker, &asyncChecker}) {
    EXPECT_EQ(checker->received(), kTotal);
    EXPECT_THAT(checker->violations(), IsEmpty());
  }
  EXPECT_EQ(topic->stats().accepted, static_cast<std::uint64_t>(kTotal));
  EXPECT_EQ(topic->stats().delivered, static_cast<std::uint64_t>(3 * kTotal));
  EXPECT_EQ(env.pool.escapedExceptions(), 0u);
}

TEST(ConcurrentFanoutTest, ManyTopicsFanOutIndependently) {
  constexpr int kTopics = 4;
  std::vector<OrderChecker> checkers(kTopics);
  Await published;
  int accepted = 0;
  test::RealBroker env{BrokerOptions{.topicsMax = kTopics, .topic = {.inboundMessagesMax = 8, .fanoutBatchMax = 4}}};
  std::vector<std::shared_ptr<Topic>> topics;
  for (int t = 0; t < kTopics; ++t) {
    topics.push_back(env.broker.topic("t" + std::to_string(t)).topic);
    ASSERT_NE(topics.back(), nullptr);
    ASSERT_TRUE(topics.back()
                    ->subscribe(std::make_shared<HandlerSubscriber>(
                        [&checker = checkers[t]](const MessagePtr& m) { checker.record(m->bytes()); }))
                    .ok());
  }
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < 200; ++i) {
        topics[i % kTopics]->publish(Payload::raw(test::messageText(p, i / kTopics)), seconds(20),
                                     [&](PublishOutcome o) {
                                       EXPECT_EQ(o, PublishOutcome::kAccepted);
                                       published.update([&] { ++accepted; });
                                     });
      }
    });
  }
  for (auto& thread : publishers) thread.join();
  ASSERT_TRUE(published.waitFor([&] { return accepted == kPublishers * 200; }));
  std::promise<CloseOutcome> outcome;
  env.broker.shutdown(seconds(20), [&](CloseOutcome o) { outcome.set_value(o); });
  auto future = outcome.get_future();
  ASSERT_EQ(future.wait_for(test::kAwaitMax), std::future_status::ready);
  EXPECT_EQ(future.get(), CloseOutcome::kCompleted);
  for (auto& checker : checkers) {
    EXPECT_EQ(checker.received(), kPublishers * 200 / kTopics);
    EXPECT_THAT(checker.violations(), IsEmpty());
  }
}

}  // namespace
}  // namespace spread::core
