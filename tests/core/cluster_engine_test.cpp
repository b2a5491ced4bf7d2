// ClusterEngine on a FakeBackplane: nodes sharing topics through one log, on virtual time.
#include "spread/core/cluster_engine.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fake_backplane.h"
#include "spread/core/broker.h"
#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"
#include "spread/core/queue_subscriber.h"
#include "test_support.h"

namespace spread::core::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kHistory = 10;

// One node of a cluster: its engine first, since the broker it feeds must go before it.
struct ClusterNode {
  ClusterNode(FakeBackplane& shared, ManualClock& clock, ManualExecutor& executor, ClusterEngineOptions options,
              std::size_t inboundMax)
      : link(shared.node()),
        engine(link, clock, executor, options),
        broker(clock, executor, brokerOptions(engine, inboundMax)) {
    engine.start();
  }
  static BrokerOptions brokerOptions(ClusterEngine& engine, std::size_t inboundMax) {
    BrokerOptions options;
    options.topic.historySize = kHistory;
    options.topic.inboundMessagesMax = inboundMax;
    options.feeder = &engine;
    return options;
  }

  std::shared_ptr<QueueSubscriber> subscribe(const std::string& topic,
                                             SubscribeFrom from = SubscribeFrom::live()) {
    auto queue = std::make_shared<QueueSubscriber>(roomyQueue());
    TopicLookup lookup = broker.topic(topic);
    EXPECT_TRUE(lookup.ok());
    topics.push_back(lookup.topic);
    last = lookup.topic->subscribe(queue, std::move(from));
    EXPECT_TRUE(last.ok());
    return queue;
  }

  FakeBackplane::Node& link;
  ClusterEngine engine;
  Broker broker;
  std::vector<std::shared_ptr<Topic>> topics;  // held, so they are never freed under a test
  SubscribeResult last;
};

class ClusterEngineTest : public ::testing::Test {
 protected:
  ClusterNode& node(ClusterEngineOptions options = {}, std::size_t inboundMax = 1024) {
    options.warmEntriesMax = kHistory;
    return *nodes_.emplace_back(std::make_unique<ClusterNode>(shared_, clock_, executor_, options, inboundMax));
  }

  // Publishes through `on`'s engine and returns the outcome once known.
  PublishOutcome publish(ClusterNode& on, const std::string& topic, const std::string& bytes) {
    std::optional<PublishOutcome> outcome;
    on.engine.publish(topic, Payload::raw(bytes), 0ms, [&outcome](PublishOutcome o) { outcome = o; });
    executor_.runUntilIdle();
    EXPECT_TRUE(outcome.has_value());
    return outcome.value_or(PublishOutcome::kTopicClosed);
  }

  static std::vector<std::uint64_t> offsets(QueueSubscriber& queue) {
    std::vector<std::uint64_t> out;
    for (const MessagePtr& message : queue.popUpTo(queue.size())) out.push_back(message->offset());
    return out;
  }

  ManualClock clock_;
  ManualExecutor executor_{clock_};
  FakeBackplane shared_{executor_};
  std::vector<std::unique_ptr<ClusterNode>> nodes_;
};

TEST_F(ClusterEngineTest, AMessagePublishedOnOneNodeReachesSubscribersOnEveryNodeOnceInOrder) {
  ClusterNode& a = node();
  ClusterNode& b = node();
  auto onA = a.subscribe("room");
  auto onB = b.subscribe("room");
  executor_.runUntilIdle();

  EXPECT_EQ(publish(b, "room", "one"), PublishOutcome::kAccepted);
  EXPECT_EQ(publish(a, "room", "two"), PublishOutcome::kAccepted);
  EXPECT_EQ(publish(b, "room", "three"), PublishOutcome::kAccepted);

  EXPECT_EQ(drainBytes(*onA), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(drainBytes(*onB), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(shared_.appends, 3u);  // one append per message, whatever the number of nodes
}

TEST_F(ClusterEngineTest, OffsetsAndEpochAreTheLogsOnEveryNode) {
  ClusterNode& a = node();
  ClusterNode& b = node();
  auto onA = a.subscribe("room");
  auto onB = b.subscribe("room");
  executor_.runUntilIdle();
  publish(a, "room", "one");
  publish(b, "room", "two");

  EXPECT_EQ(offsets(*onA), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(offsets(*onB), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(a.topics[0]->epoch(), shared_.log("room").epoch);
  EXPECT_EQ(b.topics[0]->epoch(), shared_.log("room").epoch);
}

TEST_F(ClusterEngineTest, ATopicNobodyHereSubscribesIsStillPublishedToTheLog) {
  ClusterNode& a = node();
  ClusterNode& b = node();
  auto onB = b.subscribe("room");
  executor_.runUntilIdle();
  EXPECT_EQ(publish(a, "room", "hello"), PublishOutcome::kAccepted);
  EXPECT_EQ(drainBytes(*onB), (std::vector<std::string>{"hello"}));
}

TEST_F(ClusterEngineTest, EntriesMissedByTheFeedAreReadBackAndFedInOrder) {
  ClusterNode& a = node();
  ClusterNode& b = node();
  auto onA = a.subscribe("room");
  executor_.runUntilIdle();
  publish(b, "room", "one");
  a.link.deaf = true;  // two entries never reach a's feed
  publish(b, "room", "two");
  publish(b, "room", "three");
  a.link.deaf = false;
  publish(b, "room", "four");  // a sees 4 after 1: the gap is read back first

  EXPECT_EQ(drainBytes(*onA), (std::vector<std::string>{"one", "two", "three", "four"}));
}

TEST_F(ClusterEngineTest, AfterTheLinkComesBackWhatWasPublishedMeanwhileIsFilledFromTheLog) {
  ClusterNode& a = node();
  ClusterNode& b = node();
  auto onA = a.subscribe("room");
  executor_.runUntilIdle();
  publish(b, "room", "one");
  a.link.deaf = true;
  publish(b, "room", "two");  // lost to a's feed while its link was down
  a.link.deaf = false;
  shared_.setUp(true);  // the link is confirmed again: no new entry needed to notice
  executor_.runUntilIdle();

  EXPECT_EQ(drainBytes(*onA), (std::vector<std::string>{"one", "two"}));
}

TEST_F(ClusterEngineTest, ANewTopicReadsTheLogsTailSoAResumeIsServedOnAnyNode) {
  ClusterNode& a = node();
  ClusterNode& b = node();
  auto onA = a.subscribe("room");
  executor_.runUntilIdle();
  for (const char* text : {"one", "two", "three", "four"}) publish(a, "room", text);
  const std::uint64_t epoch = shared_.log("room").epoch;

  std::optional<SubscribeResult> decided;
  SubscribeFrom from = SubscribeFrom::after(2, epoch);
  from.decided = [&decided](const SubscribeResult& result) { decided = result; };
  auto onB = b.subscribe("room", from);
  EXPECT_EQ(b.last.resume, ResumeOutcome::kPending);
  executor_.runUntilIdle();

  ASSERT_TRUE(decided.has_value());
  EXPECT_EQ(decided->resume, ResumeOutcome::kRecovered);
  EXPECT_EQ(decided->epoch, epoch);
  EXPECT_EQ(decided->liveAfter, 4u);
  publish(a, "room", "five");
  EXPECT_EQ(offsets(*onB), (std::vector<std::uint64_t>{3, 4, 5}));
}

TEST_F(ClusterEngineTest, AResumeIsToldBeforeItsReplayAndAnyLiveMessage) {
  ClusterNode& a = node();
  ClusterNode& b = node();
  auto onA = a.subscribe("room");
  executor_.runUntilIdle();
  publish(a, "room", "one");
  std::size_t queuedWhenDecided = 99;
  std::shared_ptr<QueueSubscriber> onB;
  SubscribeFrom from = SubscribeFrom::after(0, shared_.log("room").epoch);
  from.decided = [&](const SubscribeResult&) { queuedWhenDecided = onB->size(); };
  onB = b.subscribe("room", from);
  executor_.runUntilIdle();
  EXPECT_EQ(queuedWhenDecided, 0u);
  EXPECT_EQ(drainBytes(*onB), (std::vector<std::string>{"one"}));
}

TEST_F(ClusterEngineTest, AResumeIntoALostLogIsToldTheEpochChanged) {
  ClusterNode& a = node();
  auto onA = a.subscribe("room");
  executor_.runUntilIdle();
  publish(a, "room", "one");
  const std::uint64_t old = shared_.log("room").epoch;
  shared_.lose("room");
  publish(a, "room", "two");  // offset 1 of a new epoch

  EXPECT_EQ(offsets(*onA), (std::vector<std::uint64_t>{1, 1}));
  EXPECT_NE(a.topics[0]->epoch(), old);

  ClusterNode& b = node();
  std::optional<SubscribeResult> decided;
  SubscribeFrom from = SubscribeFrom::after(1, old);
  from.decided = [&decided](const SubscribeResult& result) { decided = result; };
  b.subscribe("room", from);
  executor_.runUntilIdle();
  ASSERT_TRUE(decided.has_value());
  EXPECT_EQ(decided->resume, ResumeOutcome::kEpochChanged);
}

TEST_F(ClusterEngineTest, AGapTheLogNoLongerCoversIsAJumpThatAResumeIntoItIsToldOf) {
  ClusterNode& a = node();
  ClusterNode& b = node();
  auto onA = a.subscribe("room");
  executor_.runUntilIdle();
  publish(b, "room", "one");
  a.link.deaf = true;
  for (const char* text : {"two", "three", "four"}) publish(b, "room", text);
  shared_.trim("room", 1);  // only "four" is left
  a.link.deaf = false;
  publish(b, "room", "five");

  EXPECT_EQ(drainBytes(*onA), (std::vector<std::string>{"one", "four", "five"}));
  auto late = std::make_shared<QueueSubscriber>(roomyQueue());
  const SubscribeResult result = a.topics[0]->subscribe(late, SubscribeFrom::after(1, a.topics[0]->epoch()));
  EXPECT_EQ(result.resume, ResumeOutcome::kOffsetTooOld);
}

TEST_F(ClusterEngineTest, PublishingWhileTheBackplaneIsDownIsRefusedAndHealthSaysWhy) {
  ClusterNode& a = node();
  executor_.runUntilIdle();
  EXPECT_TRUE(a.engine.health().available);
  shared_.setUp(false);
  executor_.runUntilIdle();

  EXPECT_FALSE(a.engine.health().available);
  EXPECT_EQ(a.engine.health().problem, "fake: down");
  EXPECT_EQ(publish(a, "room", "lost?"), PublishOutcome::kUnavailable);
  EXPECT_EQ(shared_.appends, 0u);
  // The refusal's callback may ask why, as PublishService does for its 503 (it once deadlocked here).
  std::string why;
  a.engine.publish("room", Payload::raw("again"), 0ms, [&](PublishOutcome) { why = a.engine.health().problem; });
  EXPECT_EQ(why, "fake: down");
}

TEST_F(ClusterEngineTest, AWarmUpTheBackplaneNeverAnswersEndsAtItsDeadlineWithHistoryUnavailable) {
  ClusterNode& a = node();
  executor_.runUntilIdle();
  shared_.setUp(false);
  executor_.runUntilIdle();
  std::optional<SubscribeResult> decided;
  SubscribeFrom from = SubscribeFrom::after(3, 0xE1);
  from.decided = [&decided](const SubscribeResult& result) { decided = result; };
  a.subscribe("room", from);
  executor_.runUntilIdle();
  EXPECT_FALSE(decided.has_value());

  executor_.advanceBy(ClusterEngineOptions{}.warmDeadline);
  ASSERT_TRUE(decided.has_value());
  EXPECT_EQ(decided->resume, ResumeOutcome::kUnavailable);
}

TEST_F(ClusterEngineTest, ABackloggedTopicRefusesThisNodesPublishesAndCatchesUpFromTheLog) {
  ClusterEngineOptions tight;
  tight.backlogMax = 2;
  ClusterNode& a = node(tight);
  ClusterNode& b = node();
  // A subscriber that is never drained by a fan-out: the executor runs no drain until we say.
  auto onA = a.subscribe("room");
  executor_.runUntilIdle();
  for (int i = 0; i < 5; ++i) {
    b.engine.publish("room", Payload::raw("m" + std::to_string(i)), 0ms, [](PublishOutcome) {});
  }
  // Only the backplane's feed runs, not a's drain: run tasks one at a time until a's topic
  // holds its backlog bound.
  while (a.topics[0]->stats().inbound < 2 && executor_.runNext()) {
  }
  std::optional<PublishOutcome> outcome;
  a.engine.publish("room", Payload::raw("mine"), 0ms, [&outcome](PublishOutcome o) { outcome = o; });
  EXPECT_EQ(outcome, PublishOutcome::kBusy);

  executor_.runUntilIdle();
  executor_.advanceBy(1s);
  EXPECT_EQ(drainBytes(*onA), (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}));
}

TEST_F(ClusterEngineTest, ThisNodesPublishesAreAdmittedByItsTopicsOwnRulesToo) {
  ClusterNode& a = node({}, /*inboundMax=*/2);
  ClusterNode& b = node();
  auto onA = a.subscribe("room");
  executor_.runUntilIdle();
  for (int i = 0; i < 2; ++i) b.engine.publish("room", Payload::raw("m"), 0ms, [](PublishOutcome) {});
  while (a.topics[0]->stats().inbound < 2 && executor_.runNext()) {
  }
  std::optional<PublishOutcome> outcome;
  a.engine.publish("room", Payload::raw("mine"), 0ms, [&outcome](PublishOutcome o) { outcome = o; });
  EXPECT_EQ(outcome, PublishOutcome::kBusy) << "the topic's inboundMessagesMax is reached";
  executor_.runUntilIdle();
  EXPECT_EQ(publish(a, "room", "later"), PublishOutcome::kAccepted);
}

TEST_F(ClusterEngineTest, WhatTheFeedBringsWhileANewTopicWarmsIsLiveForItsSubscribers) {
  ClusterNode& a = node();
  ClusterNode& b = node();
  auto keeper = a.subscribe("room");
  executor_.runUntilIdle();
  publish(a, "room", "before");
  auto fresh = b.subscribe("room");  // b's topic is new: it follows, then reads the log's tail
  executor_.runNext();               // b's feed is confirmed; its tail read is on its way
  a.engine.publish("room", Payload::raw("while warming"), 0ms, [](PublishOutcome) {});
  executor_.runUntilIdle();          // the tail read has it too, and the feed brought it
  EXPECT_EQ(drainBytes(*fresh), (std::vector<std::string>{"while warming"}));
}

TEST_F(ClusterEngineTest, ANodesOwnPublishBeforeItsFeedIsConfirmedReachesItsSubscribers) {
  ClusterNode& a = node();
  executor_.runUntilIdle();
  auto first = a.subscribe("room");
  std::optional<PublishOutcome> outcome;
  a.engine.publish("room", Payload::raw("at once"), 0ms, [&outcome](PublishOutcome o) { outcome = o; });
  EXPECT_FALSE(outcome.has_value()) << "held until the feed is confirmed";
  executor_.runUntilIdle();
  EXPECT_EQ(outcome, PublishOutcome::kAccepted);
  EXPECT_EQ(drainBytes(*first), (std::vector<std::string>{"at once"}));
}

// A backplane that has stopped may answer a read inside the call; the engine's retry task,
// which makes that call, must not block on itself (it hung spreadd's shutdown now and then).
TEST_F(ClusterEngineTest, AReadAnsweredInsideTheCallByAStoppedBackplaneDoesNotBlockTheRetry) {
  ClusterNode& a = node();
  auto onA = a.subscribe("room");
  executor_.runUntilIdle();
  publish(a, "room", "one");
  shared_.readsFail = true;
  shared_.setUp(true);        // the feed is confirmed again: a fill read, which fails, then a retry
  executor_.runUntilIdle();
  a.link.answersInlineWhenStopped = true;
  a.link.stop();              // as the engine's stop does, with the retry still armed
  executor_.advanceBy(1s);    // the retries read and are answered at once, on their own thread
  EXPECT_EQ(executor_.escapedExceptions(), 0u);
  EXPECT_GT(shared_.reads, 2u);
}

}  // namespace
}  // namespace spread::core::test
