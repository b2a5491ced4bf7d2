// A fed topic (TopicFeed) on its own, with a feeder that only records: what the cluster
// engine relies on the topic for.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "spread/core/topic_feed.h"
#include "test_support.h"

namespace spread::core::test {
namespace {

using namespace std::chrono_literals;

class RecordingFeeder final : public TopicFeeder {
 public:
  void topicCreated(const std::shared_ptr<TopicFeed>& feed) override { created.push_back(feed); }
  void topicFreed(const TopicFeed& feed) override { freed.push_back(feed.name()); }
  void publish(std::string_view name, Payload payload, Duration, PublishCallback done) override {
    published.emplace_back(std::string(name), payload.bytes);
    done(PublishOutcome::kAccepted);
  }

  std::vector<std::weak_ptr<TopicFeed>> created;  // weak, as an engine holds them: never keeps one alive
  std::vector<std::string> freed;
  std::vector<std::pair<std::string, std::string>> published;
};

std::vector<LogEntry> entries(std::uint64_t first, std::vector<std::string> texts) {
  std::vector<LogEntry> out;
  for (auto& text : texts) out.push_back(LogEntry{first++, std::move(text)});
  return out;
}

class TopicFeedTest : public ::testing::Test {
 protected:
  TopicFeedTest() : world_(options(feeder_)) {}
  static BrokerOptions options(RecordingFeeder& feeder) {
    BrokerOptions options;
    options.topic.historySize = 10;
    options.feeder = &feeder;
    options.topicLinger = 0ms;
    return options;
  }

  std::shared_ptr<QueueSubscriber> subscribe(SubscribeFrom from = SubscribeFrom::live()) {
    auto queue = std::make_shared<QueueSubscriber>(roomyQueue());
    last_ = topic_->subscribe(queue, std::move(from));
    return queue;
  }
  TopicFeed& feed() { return *feeder_.created.at(0).lock(); }

  RecordingFeeder feeder_;
  VirtualBroker world_;
  std::shared_ptr<Topic> topic_ = world_.topic("room");
  SubscribeResult last_;
};

TEST_F(TopicFeedTest, TheFeederIsToldOfEachTopicAndGetsWhatIsPublishedToIt) {
  ASSERT_EQ(feeder_.created.size(), 1u);
  EXPECT_EQ(feed().name(), "room");
  std::optional<PublishOutcome> outcome;
  topic_->publish(Payload::raw("hi"), 0ms, [&outcome](PublishOutcome o) { outcome = o; });
  EXPECT_EQ(outcome, PublishOutcome::kAccepted);
  ASSERT_EQ(feeder_.published.size(), 1u);
  EXPECT_EQ(feeder_.published[0].second, "hi");
  EXPECT_EQ(topic_->stats().accepted, 0u);  // nothing is numbered here: the feeder's log does it

  auto leaving = subscribe();
  last_.handle.unsubscribe();  // a subscriber that leaves makes the topic quiet
  topic_.reset();
  world_.executor.runUntilIdle();
  EXPECT_EQ(feeder_.freed, (std::vector<std::string>{"room"}));
}

TEST_F(TopicFeedTest, IngestedEntriesAreFannedOutWithTheirOffsetsAndDuplicatesSkipped) {
  auto queue = subscribe();
  feed().ingest(7, entries(1, {"a", "b"}));
  feed().ingest(7, entries(2, {"b", "c"}));
  world_.executor.runUntilIdle();
  std::vector<std::uint64_t> offsets;
  for (const MessagePtr& message : queue->popUpTo(10)) offsets.push_back(message->offset());
  EXPECT_EQ(offsets, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(topic_->epoch(), 7u);
}

TEST_F(TopicFeedTest, AHeldSubscriptionGetsItsReplayOnceThenLiveEvenWithMessagesStillQueued) {
  auto live = subscribe();
  feed().ingest(7, entries(1, {"a", "b", "c"}));  // queued for the live one, not fanned out yet
  std::optional<SubscribeResult> decided;
  SubscribeFrom from = SubscribeFrom::after(1, 7);
  from.decided = [&decided](const SubscribeResult& result) { decided = result; };
  auto queue = subscribe(from);
  EXPECT_EQ(last_.resume, ResumeOutcome::kPending);
  feed().warmed(7, {}, true);
  world_.executor.runUntilIdle();
  feed().ingest(7, entries(4, {"d"}));
  world_.executor.runUntilIdle();

  ASSERT_TRUE(decided.has_value());
  EXPECT_EQ(decided->resume, ResumeOutcome::kRecovered);
  EXPECT_EQ(drainBytes(*queue), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(drainBytes(*live), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(TopicFeedTest, WarmingFillsHistoryWithoutDeliveringIt) {
  auto live = subscribe();
  feed().warmed(7, entries(1, {"a", "b"}), true);
  world_.executor.runUntilIdle();
  EXPECT_EQ(live->size(), 0u);
  EXPECT_EQ(feed().lastOffset(), 0u) << "nothing was fed live yet";
  auto resumed = subscribe(SubscribeFrom::after(0, 7));
  world_.executor.runUntilIdle();
  EXPECT_EQ(last_.resume, ResumeOutcome::kRecovered);
  EXPECT_EQ(drainBytes(*resumed), (std::vector<std::string>{"a", "b"}));
}

// The log's tail read may run ahead of the feed: it returns entries the feed brings only
// later. Those are live for whoever was subscribed before the read, and for nobody else.
TEST_F(TopicFeedTest, EntriesTheTailReadHadAreLiveWhenTheFeedBringsThemForWhoWasThereBefore) {
  auto before = subscribe();
  feed().warmed(7, entries(1, {"a", "b"}), true);  // "b" was appended after `before` joined
  auto resumed = subscribe(SubscribeFrom::after(0, 7));
  EXPECT_EQ(last_.resume, ResumeOutcome::kRecovered);
  EXPECT_EQ(last_.liveAfter, 2u);
  auto after = subscribe();
  feed().ingest(7, entries(2, {"b", "c"}));  // the feed catches up, then goes on
  world_.executor.runUntilIdle();

  EXPECT_EQ(drainBytes(*before), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(drainBytes(*resumed), (std::vector<std::string>{"a", "b", "c"})) << "b once: replayed, not again live";
  EXPECT_EQ(drainBytes(*after), (std::vector<std::string>{"c"}));
  EXPECT_EQ(feed().lastOffset(), 3u);
  auto late = subscribe(SubscribeFrom::after(1, 7));
  world_.executor.runUntilIdle();
  EXPECT_EQ(drainBytes(*late), (std::vector<std::string>{"b", "c"})) << "history kept b once";
}

TEST_F(TopicFeedTest, ANewEpochStartsOffsetsOverAndLiveSubscribersKeepReceiving) {
  feed().warmed(7, {}, true);
  auto early = subscribe();
  feed().ingest(7, entries(1, {"a", "b", "c"}));
  auto late = subscribe();  // starts after offset 3 of epoch 7
  feed().ingest(8, entries(1, {"x"}));
  world_.executor.runUntilIdle();
  EXPECT_EQ(drainBytes(*early), (std::vector<std::string>{"a", "b", "c", "x"}));
  EXPECT_EQ(drainBytes(*late), (std::vector<std::string>{"x"}));
  EXPECT_EQ(topic_->epoch(), 8u);
  auto old = subscribe(SubscribeFrom::after(2, 7));
  EXPECT_EQ(last_.resume, ResumeOutcome::kEpochChanged);
}

TEST_F(TopicFeedTest, AJumpRestartsHistorySoAResumeIntoTheGapIsTooOld) {
  feed().warmed(7, {}, true);
  feed().ingest(7, entries(1, {"a"}));
  feed().ingest(7, entries(5, {"e"}));
  auto resumed = subscribe(SubscribeFrom::after(1, 7));
  EXPECT_EQ(last_.resume, ResumeOutcome::kOffsetTooOld);
  auto fine = subscribe(SubscribeFrom::after(4, 7));
  EXPECT_EQ(last_.resume, ResumeOutcome::kRecovered);
}

TEST_F(TopicFeedTest, AWarmUpThatFoundTheLogUnreadableTellsHeldResumesSo) {
  std::optional<SubscribeResult> decided;
  SubscribeFrom from = SubscribeFrom::after(3, 7);
  from.decided = [&decided](const SubscribeResult& result) { decided = result; };
  auto queue = subscribe(from);
  feed().warmed(0, {}, false);
  world_.executor.runUntilIdle();
  ASSERT_TRUE(decided.has_value());
  EXPECT_EQ(decided->resume, ResumeOutcome::kUnavailable);
  feed().ingest(7, entries(4, {"d"}));  // and it goes on live
  world_.executor.runUntilIdle();
  EXPECT_EQ(drainBytes(*queue), (std::vector<std::string>{"d"}));
}

}  // namespace
}  // namespace spread::core::test
