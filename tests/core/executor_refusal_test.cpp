// Proves what the core does when its executor refuses work (a thread pool after its
// shutdown), scripted with ManualExecutor::refuseNewTasks(): nothing is lost silently. A
// topic whose fan-out is refused ends at once and tells its subscribers kAbandoned; a wait or
// a deadline whose timer is refused is over at once; a close still completes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "spread/core/handler_subscriber.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using std::chrono::milliseconds;
using test::VirtualBroker;

class ExecutorRefusalTest : public ::testing::Test {
 protected:
  VirtualBroker env_{BrokerOptions{.topic = {.inboundMessagesMax = 1}}};
  std::shared_ptr<Topic> topic_ = env_.topic("chat");
  std::shared_ptr<QueueSubscriber> queue_ = std::make_shared<QueueSubscriber>(test::roomyQueue());
};

TEST_F(ExecutorRefusalTest, ATopicWhoseFanOutIsRefusedEndsAndTellsItsSubscribersTheMessageWasLost) {
  ASSERT_TRUE(topic_->subscribe(queue_).ok());
  env_.executor.refuseNewTasks();
  EXPECT_EQ(topic_->tryPublish(Payload::raw("lost")), PublishOutcome::kAccepted);
  EXPECT_EQ(queue_->closeReason(), CloseReason::kAbandoned) << "the accepted message cannot be delivered";
  EXPECT_EQ(queue_->size(), 0u);
  EXPECT_TRUE(topic_->closed());
  EXPECT_EQ(topic_->tryPublish(Payload::raw("later")), PublishOutcome::kTopicClosed);
  std::optional<CloseOutcome> outcome;
  topic_->close(milliseconds(100), [&](CloseOutcome o) { outcome = o; });
  EXPECT_EQ(outcome, CloseOutcome::kAbandoned);
  EXPECT_EQ(env_.executor.refusedTasks(), 2u) << "the fan-out, then the sweep the broker arms for the idle topic";
}

TEST_F(ExecutorRefusalTest, ACloseWhoseFanOutIsRefusedReportsAbandonedAndSoDoesShutdown) {
  ASSERT_TRUE(topic_->subscribe(queue_).ok());
  env_.executor.refuseNewTasks();
  std::vector<CloseOutcome> outcomes;
  env_.broker.shutdown(milliseconds(100), [&](CloseOutcome o) { outcomes.push_back(o); });
  // The grace timer is refused too: that deadline is over at once, and it is reported first.
  EXPECT_THAT(outcomes, ElementsAre(CloseOutcome::kDeadlineExceeded));
  EXPECT_EQ(queue_->closeReason(), CloseReason::kAbandoned);
  std::vector<CloseOutcome> again;
  env_.broker.shutdown(milliseconds(100), [&](CloseOutcome o) { again.push_back(o); });
  EXPECT_THAT(again, ElementsAre(CloseOutcome::kAbandoned)) << "the topic has finished closing, with a loss";
  std::optional<CloseOutcome> topicOutcome;
  topic_->close(milliseconds(1), [&](CloseOutcome o) { topicOutcome = o; });
  EXPECT_EQ(topicOutcome, CloseOutcome::kAbandoned);
}

TEST_F(ExecutorRefusalTest, ACloseWhoseDeadlineIsRefusedReportsItAtOnceAndStillDeliversWhatWasAccepted) {
  ASSERT_TRUE(topic_->subscribe(queue_).ok());
  ASSERT_EQ(topic_->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);  // its fan-out is posted
  env_.executor.refuseNewTasks();
  std::vector<CloseOutcome> outcomes;
  topic_->close(milliseconds(100), [&](CloseOutcome o) { outcomes.push_back(o); });
  EXPECT_THAT(outcomes, ElementsAre(CloseOutcome::kDeadlineExceeded));
  env_.executor.runUntilIdle();  // the fan-out posted before the refusals
  EXPECT_THAT(test::drainBytes(*queue_), ElementsAre("a"));
  EXPECT_EQ(queue_->closeReason(), CloseReason::kGoingAway);
  std::optional<CloseOutcome> after;
  topic_->close(milliseconds(100), [&](CloseOutcome o) { after = o; });
  EXPECT_EQ(after, CloseOutcome::kCompleted);
  EXPECT_THAT(outcomes, ElementsAre(CloseOutcome::kDeadlineExceeded)) << "reported once";
}

TEST_F(ExecutorRefusalTest, APublishThatWouldWaitForRoomTimesOutAtOnceWhenItsTimerIsRefused) {
  ASSERT_TRUE(topic_->subscribe(queue_).ok());
  ASSERT_EQ(topic_->tryPublish(Payload::raw("fills the inbound queue")), PublishOutcome::kAccepted);
  env_.executor.refuseNewTasks();
  std::vector<PublishOutcome> outcomes;
  topic_->publish(Payload::raw("waits"), milliseconds(50), [&](PublishOutcome o) { outcomes.push_back(o); });
  EXPECT_THAT(outcomes, ElementsAre(PublishOutcome::kTimedOut));
  EXPECT_EQ(topic_->stats().waitingPublishes, 0u);
  env_.executor.runUntilIdle();
  EXPECT_THAT(test::drainBytes(*queue_), ElementsAre("fills the inbound queue"));
  EXPECT_THAT(outcomes, ElementsAre(PublishOutcome::kTimedOut)) << "answered once";
}

TEST_F(ExecutorRefusalTest, AnAsyncHandlerWhoseTaskIsRefusedEndsWithAbandonedAndHandlesNothing) {
  ManualExecutor handlers{env_.clock};
  std::vector<std::string> seen;
  std::vector<CloseReason> closed;
  auto async = AsyncHandlerSubscriber::create(
      handlers, [&](const MessagePtr& m) { seen.push_back(m->bytes()); },
      [&](CloseReason reason) { closed.push_back(reason); });
  ASSERT_TRUE(topic_->subscribe(async).ok());
  handlers.refuseNewTasks();
  ASSERT_EQ(topic_->tryPublish(Payload::raw("1")), PublishOutcome::kAccepted);
  env_.executor.runUntilIdle();
  EXPECT_THAT(seen, IsEmpty());
  EXPECT_THAT(closed, ElementsAre(CloseReason::kAbandoned));
  EXPECT_EQ(topic_->stats().subscribers, 0u);
  EXPECT_EQ(handlers.refusedTasks(), 1u);
}

}  // namespace
}  // namespace spread::core
