// Proves a topic's history and subscriptions that start from it: last N, resume after an
// offset with no gap and no duplicate even while messages wait for their fan-out, the
// outcomes of resumes that cannot be served, trimming by count and age, epochs that change
// when a topic is freed and created again, and that history off behaves as before.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using std::chrono::milliseconds;
using test::VirtualBroker;

int stampCalls = 0;

// A format of our own, so that the test sees exactly what the hook was given.
void stampForTest(std::string& bytes, std::uint64_t offset, std::uint64_t epoch) {
  ++stampCalls;
  bytes += "@" + std::to_string(offset) + "/" + std::to_string(epoch % 1000);
}

BrokerOptions withHistory(std::size_t size, Duration ttl = Duration::zero()) {
  BrokerOptions options;
  options.topic.historySize = size;
  options.topic.historyTtl = ttl;
  options.topicLinger = Duration::zero();
  options.epochSeed = 42;
  return options;
}

class HistoryTest : public ::testing::Test {
 protected:
  explicit HistoryTest(BrokerOptions options = withHistory(5)) : env_(options) {}

  void publish(const std::string& text) {
    ASSERT_EQ(topic_->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  }
  void publishNumbered(int from, int to) {
    for (int i = from; i <= to; ++i) publish("m" + std::to_string(i));
  }
  void run() {
    env_.executor.runUntilIdle();
    ASSERT_EQ(env_.executor.escapedExceptions(), 0u);
  }
  std::shared_ptr<QueueSubscriber> queue() { return std::make_shared<QueueSubscriber>(test::roomyQueue()); }

  VirtualBroker env_;
  std::shared_ptr<Topic> topic_ = env_.topic("chat");
};

TEST_F(HistoryTest, LastNReplaysTheNewestThenLiveOnes) {
  publishNumbered(1, 4);
  run();
  auto reader = queue();
  SubscribeResult result = topic_->subscribe(reader, SubscribeFrom::last(2));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.resume, ResumeOutcome::kNotAsked);
  EXPECT_EQ(result.liveAfter, 4u);
  EXPECT_EQ(result.replayed, 2u);
  publish("m5");
  run();
  EXPECT_THAT(test::drainBytes(*reader), ElementsAre("m3", "m4", "m5"));
}

TEST_F(HistoryTest, LastNIsBoundedByWhatHistoryHolds) {
  publishNumbered(1, 8);  // history keeps 5
  run();
  auto reader = queue();
  EXPECT_EQ(topic_->subscribe(reader, SubscribeFrom::last(100)).replayed, 5u);
  run();
  EXPECT_THAT(test::drainBytes(*reader), ElementsAre("m4", "m5", "m6", "m7", "m8"));
}

TEST_F(HistoryTest, ResumeRacingQueuedMessagesGetsEachOnceAndInOrder) {
  auto early = queue();
  ASSERT_TRUE(topic_->subscribe(early).ok());
  publishNumbered(1, 2);
  run();
  publishNumbered(3, 5);  // accepted, their fan-out not yet run
  auto resumed = queue();
  SubscribeResult result = topic_->subscribe(resumed, SubscribeFrom::after(2, topic_->epoch()));
  EXPECT_EQ(result.resume, ResumeOutcome::kRecovered);
  EXPECT_EQ(result.liveAfter, 5u);
  EXPECT_EQ(result.replayed, 3u);
  EXPECT_EQ(result.epoch, topic_->epoch());
  publish("m6");  // live, accepted before the replay is handed over
  run();
  EXPECT_THAT(test::drainBytes(*resumed), ElementsAre("m3", "m4", "m5", "m6"));
  EXPECT_THAT(test::drainBytes(*early), ElementsAre("m1", "m2", "m3", "m4", "m5", "m6"));
}

TEST_F(HistoryTest, ReplayedMessagesCarryTheirOffsets) {
  publishNumbered(1, 3);
  auto reader = queue();
  ASSERT_TRUE(topic_->subscribe(reader, SubscribeFrom::after(1, topic_->epoch())).ok());
  publish("m4");
  run();
  std::vector<std::uint64_t> offsets;
  for (const MessagePtr& message : reader->popUpTo(10)) offsets.push_back(message->sequence());
  EXPECT_THAT(offsets, ElementsAre(2u, 3u, 4u));
}

TEST_F(HistoryTest, ResumeAtTheLastOffsetRecoversWithNothingToReplay) {
  publishNumbered(1, 3);
  auto reader = queue();
  SubscribeResult result = topic_->subscribe(reader, SubscribeFrom::after(3, topic_->epoch()));
  EXPECT_EQ(result.resume, ResumeOutcome::kRecovered);
  EXPECT_EQ(result.replayed, 0u);
  publish("m4");
  run();
  EXPECT_THAT(test::drainBytes(*reader), ElementsAre("m4"));
}

TEST_F(HistoryTest, AnotherEpochReplaysNothingAndContinuesLive) {
  publishNumbered(1, 3);
  auto reader = queue();
  SubscribeResult result = topic_->subscribe(reader, SubscribeFrom::after(1, topic_->epoch() + 1));
  EXPECT_EQ(result.resume, ResumeOutcome::kEpochChanged);
  EXPECT_EQ(result.replayed, 0u);
  EXPECT_EQ(result.liveAfter, 3u);
  publish("m4");
  run();
  EXPECT_THAT(test::drainBytes(*reader), ElementsAre("m4"));
}

TEST_F(HistoryTest, AnOffsetAheadOfTheTopicIsInTheFuture) {
  publishNumbered(1, 3);
  auto reader = queue();
  EXPECT_EQ(topic_->subscribe(reader, SubscribeFrom::after(4, topic_->epoch())).resume,
            ResumeOutcome::kOffsetInFuture);
  publish("m4");
  run();
  EXPECT_THAT(test::drainBytes(*reader), ElementsAre("m4"));
}

TEST_F(HistoryTest, AnOffsetWhoseSuccessorLeftHistoryIsTooOld) {
  publishNumbered(1, 8);  // history holds 4..8
  run();
  auto tooOld = queue();
  EXPECT_EQ(topic_->subscribe(tooOld, SubscribeFrom::after(2, topic_->epoch())).resume, ResumeOutcome::kOffsetTooOld);
  auto justKept = queue();
  EXPECT_EQ(topic_->subscribe(justKept, SubscribeFrom::after(3, topic_->epoch())).resume, ResumeOutcome::kRecovered);
  run();
  EXPECT_THAT(test::drainBytes(*tooOld), IsEmpty());
  EXPECT_THAT(test::drainBytes(*justKept), ElementsAre("m4", "m5", "m6", "m7", "m8"));
}

TEST_F(HistoryTest, AReplayLargerThanTheSubscribersLimitsIsRefusedNotOverflowed) {
  publishNumbered(1, 5);
  SubscribeFrom from = SubscribeFrom::after(1, topic_->epoch());
  from.replayMessagesMax = 3;
  auto reader = std::make_shared<QueueSubscriber>(QueueLimits{.messagesMax = 3, .bytesMax = 1 << 20});
  SubscribeResult result = topic_->subscribe(reader, from);
  EXPECT_EQ(result.resume, ResumeOutcome::kReplayTooLarge);
  run();
  EXPECT_EQ(reader->size(), 0u);
  EXPECT_FALSE(reader->closeReason().has_value());

  SubscribeFrom last = SubscribeFrom::last(5);
  last.replayBytesMax = 4;  // two messages of two bytes
  auto cut = queue();
  EXPECT_EQ(topic_->subscribe(cut, last).replayed, 2u);
  run();
  EXPECT_THAT(test::drainBytes(*cut), ElementsAre("m4", "m5"));
}

TEST_F(HistoryTest, AReplayOverflowingAQueueWithoutLimitsDropsItAsASlowConsumer) {
  publishNumbered(1, 5);
  auto small = std::make_shared<QueueSubscriber>(QueueLimits{.messagesMax = 2, .bytesMax = 1 << 20});
  ASSERT_EQ(topic_->subscribe(small, SubscribeFrom::last(5)).replayed, 5u);
  run();
  EXPECT_EQ(small->closeReason(), CloseReason::kSlowConsumer);
  EXPECT_EQ(topic_->stats().slowConsumersDropped, 1u);
  EXPECT_EQ(topic_->stats().subscribers, 0u);
}

TEST(HistoryBytesTest, TheOldestGoToStayWithinTheByteBoundButTheNewestStays) {
  BrokerOptions options = withHistory(100);
  options.topic.historyBytesMax = 6;  // three messages of two bytes
  VirtualBroker env(options);
  auto topic = env.topic("chat");
  for (const char* text : {"m1", "m2", "m3", "m4"}) {
    ASSERT_EQ(topic->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  }
  auto reader = std::make_shared<QueueSubscriber>(test::roomyQueue());
  EXPECT_EQ(topic->subscribe(reader, SubscribeFrom::last(10)).replayed, 3u);
  EXPECT_EQ(topic->subscribe(std::make_shared<QueueSubscriber>(test::roomyQueue()),
                             SubscribeFrom::after(0, topic->epoch())).resume,
            ResumeOutcome::kOffsetTooOld);
  ASSERT_EQ(topic->tryPublish(Payload::raw("a message larger than the bound")), PublishOutcome::kAccepted);
  auto late = std::make_shared<QueueSubscriber>(test::roomyQueue());
  EXPECT_EQ(topic->subscribe(late, SubscribeFrom::last(10)).replayed, 1u);
  env.executor.runUntilIdle();
  EXPECT_THAT(test::drainBytes(*reader), ElementsAre("m2", "m3", "m4", "a message larger than the bound"));
  EXPECT_THAT(test::drainBytes(*late), ElementsAre("a message larger than the bound"));
}

class HistoryTtlTest : public HistoryTest {
 protected:
  HistoryTtlTest() : HistoryTest(withHistory(100, milliseconds(1000))) {}
};

TEST_F(HistoryTtlTest, MessagesOlderThanTheTtlLeaveHistory) {
  publishNumbered(1, 2);
  env_.clock.advanceBy(milliseconds(600));
  publishNumbered(3, 4);
  env_.clock.advanceBy(milliseconds(500));  // m1 and m2 are 1100 ms old, m3 and m4 500 ms
  auto recent = queue();
  EXPECT_EQ(topic_->subscribe(recent, SubscribeFrom::last(10)).replayed, 2u);
  auto resumed = queue();
  EXPECT_EQ(topic_->subscribe(resumed, SubscribeFrom::after(1, topic_->epoch())).resume,
            ResumeOutcome::kOffsetTooOld);
  env_.clock.advanceBy(milliseconds(500));  // all are old now, without a publish to trim them
  auto late = queue();
  EXPECT_EQ(topic_->subscribe(late, SubscribeFrom::last(10)).replayed, 0u);
  EXPECT_EQ(topic_->subscribe(queue(), SubscribeFrom::after(4, topic_->epoch())).resume,
            ResumeOutcome::kRecovered);
  run();
  EXPECT_THAT(test::drainBytes(*recent), ElementsAre("m3", "m4"));
}

TEST_F(HistoryTest, ATopicFreedAndCreatedAgainHasANewEpochAndNoHistory) {
  auto leaving = queue();
  SubscribeResult subscribed = topic_->subscribe(leaving);
  publishNumbered(1, 3);
  run();
  const std::uint64_t before = topic_->epoch();
  ASSERT_TRUE(subscribed.handle.unsubscribe());  // the topic goes quiet: a sweep is posted
  topic_.reset();
  env_.executor.runUntilIdle();  // the sweep frees the idle topic (zero linger)
  ASSERT_EQ(env_.broker.find("chat"), nullptr);
  topic_ = env_.topic("chat");
  EXPECT_NE(topic_->epoch(), before);
  auto reader = queue();
  SubscribeResult result = topic_->subscribe(reader, SubscribeFrom::after(3, before));
  EXPECT_EQ(result.resume, ResumeOutcome::kEpochChanged);
  EXPECT_EQ(result.liveAfter, 0u);
}

TEST(HistoryEpochTest, EpochsFollowTheSeedSoRunsRepeatAndDifferAcrossSeeds) {
  VirtualBroker first(withHistory(1));
  VirtualBroker again(withHistory(1));
  BrokerOptions otherSeed = withHistory(1);
  otherSeed.epochSeed = 43;
  VirtualBroker other(otherSeed);
  EXPECT_EQ(first.topic("a")->epoch(), again.topic("a")->epoch());
  EXPECT_NE(first.topic("a")->epoch(), other.topic("a")->epoch());
  EXPECT_NE(first.topic("a")->epoch(), first.topic("b")->epoch());
}

TEST_F(HistoryTest, ThePositionIsStampedOncePerMessageNotPerSubscriber) {
  BrokerOptions options = withHistory(5);
  options.topic.stampPosition = stampForTest;
  VirtualBroker env(options);
  auto topic = env.topic("stamped");
  auto one = queue();
  auto two = queue();
  ASSERT_TRUE(topic->subscribe(one).ok());
  ASSERT_TRUE(topic->subscribe(two).ok());
  stampCalls = 0;
  ASSERT_EQ(topic->tryPublish(Payload::raw("x")), PublishOutcome::kAccepted);
  env.executor.runUntilIdle();
  const std::string expected = "x@1/" + std::to_string(topic->epoch() % 1000);
  EXPECT_THAT(test::drainBytes(*one), ElementsAre(expected));
  EXPECT_THAT(test::drainBytes(*two), ElementsAre(expected));
  EXPECT_EQ(stampCalls, 1);
}

class HistoryOffTest : public HistoryTest {
 protected:
  HistoryOffTest() : HistoryTest(offOptions()) {}
  static BrokerOptions offOptions() {
    BrokerOptions options = withHistory(0);
    options.topic.stampPosition = stampForTest;
    return options;
  }
};

TEST_F(HistoryOffTest, NothingIsKeptOrStampedAndOnlyAResumeAtTheLastOffsetRecovers) {
  stampCalls = 0;
  publishNumbered(1, 3);
  auto last = queue();
  EXPECT_EQ(topic_->subscribe(last, SubscribeFrom::last(3)).replayed, 0u);
  auto tooOld = queue();
  EXPECT_EQ(topic_->subscribe(tooOld, SubscribeFrom::after(2, topic_->epoch())).resume,
            ResumeOutcome::kOffsetTooOld);
  auto current = queue();
  EXPECT_EQ(topic_->subscribe(current, SubscribeFrom::after(3, topic_->epoch())).resume,
            ResumeOutcome::kRecovered);
  publish("m4");
  run();
  EXPECT_EQ(stampCalls, 0);
  for (auto* reader : {&last, &tooOld, &current}) EXPECT_THAT(test::drainBytes(**reader), ElementsAre("m4"));
}

}  // namespace
}  // namespace spread::core
