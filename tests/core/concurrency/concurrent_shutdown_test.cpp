// Proves, on real threads, that Broker::shutdown racing publishers is clean: one outcome per
// publish, every accepted message delivered in per-publisher order before kGoingAway, and
// kCompleted reported exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "real_broker.h"
#include "spread/core/handler_subscriber.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using std::chrono::seconds;
using test::Await;
using test::OrderChecker;

TEST(ConcurrentShutdownTest, ShutdownRacingPublishersDeliversEverythingAcceptedAndNothingMore) {
  constexpr int kPublishers = 4;
  constexpr int kTopics = 2;
  constexpr int kMessagesMax = 5000;  // a bound; shutdown normally stops them long before
  std::vector<OrderChecker> checkers(kTopics);
  Await state;
  std::vector<CloseReason> closes;
  int outcomes = 0;
  int issued = 0;
  std::vector<int> answeredBy(kPublishers, 0);
  std::vector<int> acceptedPer(kPublishers * kTopics, 0);  // [publisher * kTopics + topic]
  std::vector<CloseOutcome> shutdownOutcomes;
  test::RealBroker env{BrokerOptions{.topicsMax = kTopics, .topic = {.inboundMessagesMax = 16, .fanoutBatchMax = 4}}};

  std::vector<std::string> names;
  for (int t = 0; t < kTopics; ++t) {
    names.push_back("topic" + std::to_string(t));
    auto topic = env.broker.topic(names.back()).topic;
    ASSERT_NE(topic, nullptr);
    ASSERT_TRUE(topic
                    ->subscribe(std::make_shared<HandlerSubscriber>(
                        [&checker = checkers[t]](const MessagePtr& m) { checker.record(m->bytes()); },
                        [&](CloseReason r) { state.update([&] { closes.push_back(r); }); }))
                    .ok());
  }

  std::atomic<int> publishersStopped{0};
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      bool open = true;
      for (int i = 0; open && i < kMessagesMax; ++i) {
        const int t = (p + i) % kTopics;
        // Looked up each time, as a session would: refused once the broker shuts down.
        TopicLookup lookup = env.broker.topic(names[t]);
        if (!lookup.ok()) {
          EXPECT_EQ(lookup.status, TopicLookup::Status::kShuttingDown);
          break;
        }
        state.update([&] { ++issued; });
        const int index = state.read([&] { return acceptedPer[p * kTopics + t]; });
        lookup.topic->publish(Payload::raw(test::messageText(p, index)), seconds(20),
                              [&, p, t](PublishOutcome o) {
                                EXPECT_TRUE(o == PublishOutcome::kAccepted || o == PublishOutcome::kTopicClosed)
                                    << toString(o);
                                state.update([&] {
                                  ++outcomes;
                                  ++answeredBy[p];
                                  if (o == PublishOutcome::kAccepted) ++acceptedPer[p * kTopics + t];
                                });
                              });
        // One message in flight per publisher, as a session publishes.
        const bool answered = state.waitFor([&] { return answeredBy[p] == i + 1; });
        EXPECT_TRUE(answered);
        open = answered;
      }
      ++publishersStopped;
    });
  }
  // Let traffic build up, then shut down in the middle of it.
  ASSERT_TRUE(state.waitFor([&] { return outcomes >= 200; }));
  env.broker.shutdown(seconds(20), [&](CloseOutcome o) { state.update([&] { shutdownOutcomes.push_back(o); }); });
  ASSERT_TRUE(state.waitFor([&] { return !shutdownOutcomes.empty(); }));
  for (auto& thread : publishers) thread.join();
  EXPECT_EQ(publishersStopped.load(), kPublishers);

  state.read([&] {
    EXPECT_THAT(shutdownOutcomes, ElementsAre(CloseOutcome::kCompleted));
    EXPECT_EQ(outcomes, issued) << "every publish got exactly one outcome";
    EXPECT_THAT(closes, ElementsAre(CloseReason::kGoingAway, CloseReason::kGoingAway));
  });
  for (int t = 0; t < kTopics; ++t) {
    EXPECT_THAT(checkers[t].violations(), IsEmpty());
    for (int p = 0; p < kPublishers; ++p) {
      // Accepted messages form a prefix per publisher, and all of it arrived.
      EXPECT_EQ(checkers[t].receivedFrom(p), state.read([&] { return acceptedPer[p * kTopics + t]; }))
          << "topic " << t << " publisher " << p;
    }
  }
  EXPECT_EQ(env.broker.topic(names[0]).status, TopicLookup::Status::kShuttingDown);
  EXPECT_TRUE(env.broker.topicNames().empty());
  EXPECT_EQ(env.pool.escapedExceptions(), 0u);
}

}  // namespace
}  // namespace spread::core
