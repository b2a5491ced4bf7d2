// Proves, on real threads, that subscriptions resuming from history while publishers race
// them get every message after their offset exactly once and in order: the replay and the
// live fan-out meet without a gap or a duplicate, wherever the resume lands.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "real_broker.h"
#include "spread/core/handler_subscriber.h"

namespace spread::core {
namespace {

using test::Await;

constexpr int kPublishers = 3;
constexpr int kMessagesEach = 400;
constexpr std::uint64_t kTotal = kPublishers * kMessagesEach;
constexpr int kResumers = 8;

// The offsets one subscription received, checked for continuity as they come.
struct SequenceLog {
  void record(std::uint64_t offset) {
    await.update([&] {
      if (expected != 0 && offset != expected && problems.size() < 5) {
        problems.push_back("got " + std::to_string(offset) + ", expected " + std::to_string(expected));
      }
      if (first == 0) first = offset;
      expected = offset + 1;
      ++received;
    });
  }
  Await await;
  std::uint64_t first = 0;
  std::uint64_t expected = 0;
  std::uint64_t received = 0;
  std::vector<std::string> problems;
};

TEST(ConcurrentResumeTest, ResumesRacingPublishersSeeEveryOffsetAfterTheirsOnceAndInOrder) {
  std::vector<SequenceLog> logs(kResumers);
  std::vector<SubscribeResult> results(kResumers);
  std::vector<std::uint64_t> asked(kResumers);
  test::RealBroker env{BrokerOptions{
      .topic = {.inboundMessagesMax = 64, .fanoutBatchMax = 16, .historySize = kTotal}, .epochSeed = 7}};
  auto topic = env.broker.topic("chat").topic;
  ASSERT_NE(topic, nullptr);

  std::atomic<std::uint64_t> refused{0};
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p) {
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kMessagesEach;) {
        if (topic->tryPublish(Payload::raw(test::messageText(p, i))) == PublishOutcome::kAccepted) {
          ++i;
        } else {
          refused.fetch_add(1, std::memory_order_relaxed);
          std::this_thread::yield();  // busy: the drain makes room
        }
      }
    });
  }
  // Each resume asks for the offsets after one that was accepted a moment ago, while more
  // are being accepted and fanned out.
  for (int r = 0; r < kResumers; ++r) {
    std::uint64_t accepted = topic->stats().accepted;
    while (accepted < static_cast<std::uint64_t>(r + 1) * kTotal / (kResumers + 1)) {
      std::this_thread::yield();
      accepted = topic->stats().accepted;
    }
    asked[r] = accepted / 2;
    SequenceLog& log = logs[r];
    results[r] = topic->subscribe(std::make_shared<HandlerSubscriber>(
                                      [&log](const MessagePtr& message) { log.record(message->sequence()); }),
                                  SubscribeFrom::after(asked[r], topic->epoch()));
  }
  for (auto& publisher : publishers) publisher.join();

  for (int r = 0; r < kResumers; ++r) {
    SCOPED_TRACE("resumer " + std::to_string(r) + " after offset " + std::to_string(asked[r]));
    ASSERT_EQ(results[r].resume, ResumeOutcome::kRecovered);
    EXPECT_GE(results[r].liveAfter, asked[r]);
    EXPECT_EQ(results[r].replayed, results[r].liveAfter - asked[r]);
    ASSERT_TRUE(logs[r].await.waitFor([&] { return logs[r].received == kTotal - asked[r]; }))
        << "received " << logs[r].await.read([&] { return logs[r].received; });
    EXPECT_EQ(logs[r].await.read([&] { return logs[r].first; }), asked[r] + 1);
    EXPECT_TRUE(logs[r].await.read([&] { return logs[r].problems; }).empty());
  }
}

}  // namespace
}  // namespace spread::core
