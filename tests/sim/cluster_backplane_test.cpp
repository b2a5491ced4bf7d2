// The simulator's SimBackplane under real ClusterEngines and brokers, two or three nodes on
// one virtual clock, judged by ClusterChecker; and each invariant shown to fail with the
// backplane deliberately broken (SimBackplane::Faults).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster_checker.h"
#include "sim_backplane.h"
#include "spread/core/broker.h"
#include "spread/core/cluster_engine.h"
#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"
#include "spread/core/queue_subscriber.h"

namespace spread::sim {
namespace {

using namespace std::chrono_literals;
using core::PublishOutcome;
using core::ResumeOutcome;

constexpr std::size_t kHistory = 8;
constexpr const char* kTopic = "room";

// One node: its engine first, since the broker it feeds must go before it.
struct Node {
  Node(SimBackplane& shared, int number, core::ManualClock& clock, core::ManualExecutor& executor)
      : engine(shared.link(number), clock, executor, engineOptions()), broker(clock, executor, brokerOptions(engine)) {
    engine.start();
  }
  static core::ClusterEngineOptions engineOptions() {
    core::ClusterEngineOptions options;
    options.warmEntriesMax = kHistory;
    return options;
  }
  static core::BrokerOptions brokerOptions(core::ClusterEngine& engine) {
    core::BrokerOptions options;
    options.topic.historySize = kHistory;
    options.feeder = &engine;
    return options;
  }
  core::ClusterEngine engine;
  core::Broker broker;
  std::vector<std::shared_ptr<core::Topic>> topics;  // held, so none is freed under a test
};

class ClusterBackplaneTest : public ::testing::Test {
 protected:
  ClusterBackplaneTest() {
    shared_.onAppended = [this](const std::string& topic, std::uint64_t epoch, const core::LogEntry& entry) {
      checker_.appended(topic, epoch, entry);
    };
  }
  ~ClusterBackplaneTest() override {
    for (auto& node : nodes_) node->engine.stop();
    executor_.runUntilIdle();
  }

  void start(int count) {
    for (int n = 1; n <= count; ++n) nodes_.push_back(std::make_unique<Node>(shared_, n, clock_, executor_));
    settle();
  }
  void settle() { executor_.advanceBy(1s); }

  struct Subscription {
    std::shared_ptr<core::QueueSubscriber> queue;
    std::vector<ClusterChecker::Read> reads;
    std::size_t since = 0;
    std::optional<core::SubscribeResult> result;
  };
  Subscription& subscribe(int node, core::SubscribeFrom from = core::SubscribeFrom::live()) {
    auto& sub = *subs_.emplace_back(std::make_unique<Subscription>());
    sub.queue = std::make_shared<core::QueueSubscriber>(core::QueueLimits{.messagesMax = 10'000, .bytesMax = 1 << 24});
    sub.since = checker_.position(kTopic);
    Node& on = *nodes_.at(node - 1);
    core::TopicLookup lookup = on.broker.topic(kTopic);
    EXPECT_TRUE(lookup.ok());
    on.topics.push_back(lookup.topic);
    from.decided = [&sub](const core::SubscribeResult& result) { sub.result = result; };
    core::SubscribeResult now = lookup.topic->subscribe(sub.queue, std::move(from));
    if (now.resume != ResumeOutcome::kPending) sub.result = now;
    settle();
    return sub;
  }
  std::vector<ClusterChecker::Read>& reads(Subscription& sub) {
    for (const core::MessagePtr& message : sub.queue->popUpTo(sub.queue->size())) {
      sub.reads.push_back({message->offset(), message->bytes()});
    }
    return sub.reads;
  }
  std::string keptUp(Subscription& sub) { return checker_.keptUp(kTopic, sub.since, reads(sub)); }

  PublishOutcome publish(int node, const std::string& bytes) {
    std::optional<PublishOutcome> outcome;
    nodes_.at(node - 1)->engine.publish(kTopic, core::Payload::raw(bytes), 0ms,
                                        [&outcome](PublishOutcome o) { outcome = o; });
    settle();
    EXPECT_TRUE(outcome.has_value());
    return outcome.value_or(PublishOutcome::kTopicClosed);
  }
  /// Publishes on a node whose link is down; the checker's verdict.
  std::string publishWhileDown(int node, const std::string& bytes) {
    const std::size_t before = checker_.position(kTopic);
    const PublishOutcome outcome = publish(node, bytes);
    return ClusterChecker::refusedWhileDown(outcome, before, checker_.position(kTopic));
  }

  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  SimBackplane shared_{clock_, executor_, kHistory, 7};
  ClusterChecker checker_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<Subscription>> subs_;
};

TEST_F(ClusterBackplaneTest, PublishesOnEveryNodeReachEverySubscriberOnceInOrder) {
  start(3);
  Subscription& s1 = subscribe(1);
  Subscription& s2 = subscribe(2);
  Subscription& s3 = subscribe(3);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(publish(i % 3 + 1, "m" + std::to_string(i)), PublishOutcome::kAccepted);
  EXPECT_EQ(checker_.position(kTopic), 6u);
  EXPECT_EQ(keptUp(s1), "");
  EXPECT_EQ(keptUp(s2), "");
  EXPECT_EQ(keptUp(s3), "");
  EXPECT_EQ(reads(s3).size(), 6u);
}

TEST_F(ClusterBackplaneTest, ADelayedLinkKeepsOrderAndStillDeliversEverything) {
  start(2);
  Subscription& s1 = subscribe(1);
  Subscription& s2 = subscribe(2);
  shared_.setDelay(2, 50ms);
  EXPECT_EQ(publish(2, "slow"), PublishOutcome::kAccepted);
  shared_.setDelay(2, 0ms);  // a shorter delay never overtakes what is in flight
  EXPECT_EQ(publish(1, "fast"), PublishOutcome::kAccepted);
  EXPECT_EQ(keptUp(s1), "");
  EXPECT_EQ(keptUp(s2), "");
}

TEST_F(ClusterBackplaneTest, ACutLinkRefusesPublishesAndAfterHealingFillsWhatWasMissed) {
  start(2);
  Subscription& s1 = subscribe(1);
  Subscription& s2 = subscribe(2);
  EXPECT_EQ(publish(1, "before"), PublishOutcome::kAccepted);
  shared_.cut(2);
  settle();
  EXPECT_EQ(publishWhileDown(2, "refused"), "");
  EXPECT_EQ(publish(1, "meanwhile-1"), PublishOutcome::kAccepted);
  EXPECT_EQ(publish(1, "meanwhile-2"), PublishOutcome::kAccepted);
  shared_.heal(2);
  settle();
  // Node 2's subscriber has what was published while its link was cut, from the log,
  // though nothing was published since.
  EXPECT_EQ(keptUp(s2), "");
  EXPECT_EQ(keptUp(s1), "");
  EXPECT_EQ(publish(2, "after"), PublishOutcome::kAccepted);
  EXPECT_EQ(keptUp(s2), "");
}

TEST_F(ClusterBackplaneTest, AResumeOnAnotherNodeWithinHistoryLosesNothingAndRepeatsNothing) {
  start(2);
  Subscription& first = subscribe(1);
  publish(1, "a");
  publish(2, "b");
  const std::uint64_t epoch = shared_.log(kTopic)->epoch;
  const std::uint64_t lastRead = reads(first).back().offset;
  publish(2, "c");  // published while the client is away
  Subscription& again = subscribe(2, core::SubscribeFrom::after(lastRead, epoch));
  publish(1, "d");
  ASSERT_TRUE(again.result.has_value());
  EXPECT_EQ(checker_.resumed(kTopic, epoch, lastRead, again.result->resume, reads(again), kHistory), "");
  EXPECT_EQ(reads(again).size(), 2u);  // c, then d
}

TEST_F(ClusterBackplaneTest, AResumeBeyondHistoryIsToldImpossible) {
  start(2);
  subscribe(1);
  publish(1, "first");
  const std::uint64_t epoch = shared_.log(kTopic)->epoch;
  for (std::size_t i = 0; i < kHistory + 2; ++i) publish(1, "n" + std::to_string(i));
  Subscription& late = subscribe(2, core::SubscribeFrom::after(1, epoch));
  ASSERT_TRUE(late.result.has_value());
  EXPECT_NE(late.result->resume, ResumeOutcome::kRecovered);
  EXPECT_EQ(checker_.resumed(kTopic, epoch, 1, late.result->resume, reads(late), kHistory), "");
}

TEST_F(ClusterBackplaneTest, ARestartChangesTheEpochAndResumersAreToldImpossible) {
  start(2);
  Subscription& s1 = subscribe(1);
  publish(1, "old");
  const std::uint64_t old = shared_.log(kTopic)->epoch;
  shared_.restart(5ms);
  EXPECT_EQ(shared_.log(kTopic), nullptr);
  settle();
  EXPECT_EQ(publish(2, "new"), PublishOutcome::kAccepted);
  EXPECT_NE(shared_.log(kTopic)->epoch, old);
  EXPECT_EQ(reads(s1).size(), 2u);  // "new" arrives as offset 1 of the new epoch, a visible jump
  Subscription& resumer = subscribe(2, core::SubscribeFrom::after(1, old));
  ASSERT_TRUE(resumer.result.has_value());
  EXPECT_EQ(resumer.result->resume, ResumeOutcome::kEpochChanged);
  EXPECT_EQ(checker_.resumed(kTopic, old, 1, resumer.result->resume, reads(resumer), kHistory), "");
}

TEST_F(ClusterBackplaneTest, TheSameSeedGivesTheSameEpochsAndAnotherSeedOthers) {
  core::ManualClock clock;
  core::ManualExecutor executor{clock};
  SimBackplane same(clock, executor, kHistory, 7);
  SimBackplane other(clock, executor, kHistory, 8);
  std::vector<std::uint64_t> epochs;
  for (SimBackplane* backplane : {&same, &other}) {
    backplane->link(1).append(kTopic, "x", [&epochs](core::AppendResult result) { epochs.push_back(result.epoch); });
  }
  start(1);
  publish(1, "x");
  executor.runUntilIdle();
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[0], shared_.log(kTopic)->epoch);
  EXPECT_NE(epochs[1], epochs[0]);
}

// Each invariant can fail: the same checks, with the backplane broken on purpose.

TEST_F(ClusterBackplaneTest, AcceptingWhileCutIsCaught) {
  shared_.faults.acceptWhileCut = true;
  start(2);
  shared_.cut(2);
  settle();
  EXPECT_NE(publishWhileDown(2, "lost"), "");
}

TEST_F(ClusterBackplaneTest, AHealThatForgetsToFollowAgainIsCaught) {
  shared_.faults.silentHeal = true;
  start(2);
  Subscription& s2 = subscribe(2);
  publish(1, "before");
  shared_.cut(2);
  settle();
  publish(1, "meanwhile");
  shared_.heal(2);
  settle();
  EXPECT_NE(keptUp(s2), "");
}

TEST_F(ClusterBackplaneTest, ARestartThatKeepsTheEpochIsCaughtAsASilentGap) {
  shared_.faults.keepEpochOnRestart = true;
  start(2);
  subscribe(1);
  publish(1, "a");
  publish(1, "b");
  const std::uint64_t epoch = shared_.log(kTopic)->epoch;
  shared_.restart(5ms);
  settle();
  publish(1, "c");  // offset 1 again, in the same epoch
  publish(1, "d");
  publish(1, "e");
  Subscription& resumer = subscribe(2, core::SubscribeFrom::after(2, epoch));
  ASSERT_TRUE(resumer.result.has_value());
  EXPECT_NE(checker_.resumed(kTopic, epoch, 2, resumer.result->resume, reads(resumer), kHistory), "");
}

TEST(ClusterCheckerTest, NamesALostADuplicatedAndAnExtraRead) {
  ClusterChecker checker;
  checker.appended("t", 5, {1, "a"});
  checker.appended("t", 5, {2, "b"});
  EXPECT_EQ(checker.keptUp("t", 0, {{1, "a"}, {2, "b"}}), "");
  EXPECT_NE(checker.keptUp("t", 0, {{1, "a"}}).find("first missing is 2:b"), std::string::npos);
  EXPECT_NE(checker.keptUp("t", 0, {{1, "a"}, {1, "a"}}).find("a second time"), std::string::npos);
  EXPECT_NE(checker.keptUp("t", 0, {{2, "b"}, {1, "a"}}).find("out of order"), std::string::npos);
  EXPECT_NE(checker.keptUp("t", 1, {{2, "b"}, {3, "c"}}).find("more than the log took"), std::string::npos);
  EXPECT_NE(ClusterChecker::refusedWhileDown(PublishOutcome::kAccepted, 2, 2), "");
  EXPECT_NE(ClusterChecker::refusedWhileDown(PublishOutcome::kUnavailable, 2, 3), "");
  EXPECT_EQ(ClusterChecker::refusedWhileDown(PublishOutcome::kUnavailable, 2, 2), "");
}

}  // namespace
}  // namespace spread::sim
