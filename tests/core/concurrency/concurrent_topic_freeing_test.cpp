// Proves, on real threads, that freeing idle topics is safe while the same few names are
// subscribed, published to and left again: a subscriber always hears its own messages (its
// topic is never freed under it), every idle name makes room again, and a broker may be
// destroyed while its sweeps are posted or running. Run under ThreadSanitizer by the tsan preset.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "real_broker.h"
#include "spread/core/handler_subscriber.h"

namespace spread::core {
namespace {

constexpr int kThreads = 4;
constexpr int kRoundsPerThread = 200;
constexpr int kNames = 6;  // few names, so that threads keep meeting on the same ones
constexpr int kTopicsMax = 4;  // fewer than the names, so that new names often need room
constexpr int kMessagesPerRound = 3;

BrokerOptions churnOptions() {
  BrokerOptions options;
  options.topicsMax = kTopicsMax;
  options.topicLinger = Duration::zero();  // free as soon as possible: the most races
  return options;
}

struct Tally {
  test::Await await;
  int roundsShort = 0;  // rounds whose subscriber did not hear all of its own messages
  int refused = 0;      // rounds refused a topic: every place held by a subscriber or a fan-out
};

// Rounds of: subscribe to a name, drop the topic pointer, publish through find(), wait (with a
// deadline) until every message came back, leave.
void churn(Broker& broker, int thread, Tally& tally) {
  for (int round = 0; round < kRoundsPerThread; ++round) {
    const std::string name = "room" + std::to_string((thread + round) % kNames);
    const std::string mine = std::to_string(thread) + ":" + std::to_string(round);
    TopicLookup lookup = broker.topic(name);
    if (!lookup.ok()) {
      tally.await.update([&] { ++tally.refused; });
      continue;
    }
    auto heard = std::make_shared<std::pair<test::Await, int>>();
    auto subscriber = std::make_shared<HandlerSubscriber>([heard, mine](const MessagePtr& m) {
      if (m->bytes() == mine) heard->first.update([&] { ++heard->second; });
    });
    SubscriptionHandle handle = lookup.topic->subscribe(subscriber).handle;
    lookup.topic.reset();  // from here on only the subscription keeps the topic in use
    for (int i = 0; i < kMessagesPerRound; ++i) {
      std::shared_ptr<Topic> topic = broker.find(name);
      if (topic == nullptr || topic->tryPublish(Payload::raw(mine)) != PublishOutcome::kAccepted) break;
    }
    if (!heard->first.waitFor([&] { return heard->second == kMessagesPerRound; })) {
      tally.await.update([&] { ++tally.roundsShort; });
    }
    handle.unsubscribe();
  }
}

void runChurn(Broker& broker, Tally& tally) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([&broker, &tally, t] { churn(broker, t, tally); });
  std::atomic<bool> done{false};
  std::thread reader([&] {  // what /metrics does: list the topics and look each one up
    while (!done.load()) {
      for (const std::string& name : broker.topicNames()) (void)broker.find(name);
    }
  });
  for (auto& thread : threads) thread.join();
  done = true;
  reader.join();
}

TEST(ConcurrentTopicFreeingTest, NamesComeAndGoUnderLoadAndEverySubscriberHearsItself) {
  Tally tally;
  test::RealBroker env{churnOptions()};
  runChurn(env.broker, tally);

  EXPECT_EQ(tally.await.read([&] { return tally.roundsShort; }), 0) << "a topic was freed under its subscriber";
  // Each thread holds one name at a time, so most rounds find room; a round is refused only
  // while every place is held by a subscriber or by a fan-out still finishing.
  const int refused = tally.await.read([&] { return tally.refused; });
  EXPECT_LT(refused, kThreads * kRoundsPerThread / 2);
  RecordProperty("refused_rounds", refused);

  // With the pool stopped no fan-out holds a topic, so every name is idle: a whole set of new
  // names fits at once.
  env.pool.shutdown();
  std::vector<std::shared_ptr<Topic>> fresh;
  for (int i = 0; i < kTopicsMax; ++i) {
    TopicLookup lookup = env.broker.topic("fresh" + std::to_string(i));
    ASSERT_TRUE(lookup.ok()) << lookup.error;
    fresh.push_back(lookup.topic);
  }
  EXPECT_EQ(env.broker.topic("one-too-many").status, TopicLookup::Status::kTooManyTopics);
}

TEST(ConcurrentTopicFreeingTest, ABrokerMayGoWhileItsSweepsAreInFlight) {
  SteadyClock clock;
  ThreadPoolExecutor pool(4);
  Tally tally;
  {
    Broker broker(clock, pool, churnOptions());
    runChurn(broker, tally);
  }  // sweeps the last rounds asked for are posted or running now
  pool.shutdown();  // runs whatever is still queued: it must find the broker gone, harmlessly
  EXPECT_EQ(pool.escapedExceptions(), 0u);
  EXPECT_EQ(tally.await.read([&] { return tally.roundsShort; }), 0);
}

}  // namespace
}  // namespace spread::core
