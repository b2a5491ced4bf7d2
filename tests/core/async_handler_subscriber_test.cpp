// Proves AsyncHandlerSubscriber: handlers run on their own ManualExecutor, in order, off the
// fan-out path; the backlog is bounded (overflow is a slow consumer); it can be removed, even
// from its own handler; kGoingAway handles the backlog first, other reasons discard it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "spread/core/handler_subscriber.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using test::VirtualBroker;

class AsyncHandlerSubscriberTest : public ::testing::Test {
 protected:
  std::shared_ptr<AsyncHandlerSubscriber> makeAsync(std::size_t backlogMax = 1024) {
    return AsyncHandlerSubscriber::create(
        handlers_, [this](const MessagePtr& m) { seen_.push_back(m->bytes()); },
        [this](CloseReason reason) { closed_.push_back(reason); }, backlogMax);
  }
  void publishAll(std::initializer_list<const char*> texts) {
    for (const char* text : texts) {
      ASSERT_EQ(topic_->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
    }
  }
  void TearDown() override {
    EXPECT_EQ(env_.executor.escapedExceptions(), 0u);
    EXPECT_EQ(handlers_.escapedExceptions(), 0u);
  }

  VirtualBroker env_;
  ManualExecutor handlers_{env_.clock};
  std::shared_ptr<Topic> topic_ = env_.topic("chat");
  std::vector<std::string> seen_;
  std::vector<CloseReason> closed_;
};

TEST_F(AsyncHandlerSubscriberTest, RunsOnItsExecutorInOrderAfterFanOut) {
  ASSERT_TRUE(topic_->subscribe(makeAsync()).ok());
  publishAll({"1", "2", "3", "4", "5"});
  env_.executor.runUntilIdle();
  EXPECT_THAT(seen_, IsEmpty()) << "fan-out only queued them";
  EXPECT_EQ(handlers_.pending(), 1u) << "one task works through the backlog";
  handlers_.runUntilIdle();
  EXPECT_THAT(seen_, ElementsAre("1", "2", "3", "4", "5"));
  EXPECT_THAT(closed_, IsEmpty());
}

TEST_F(AsyncHandlerSubscriberTest, KeepsWorkingAfterItsBacklogEmptied) {
  ASSERT_TRUE(topic_->subscribe(makeAsync()).ok());
  publishAll({"1"});
  env_.executor.runUntilIdle();
  handlers_.runUntilIdle();
  publishAll({"2"});
  env_.executor.runUntilIdle();
  handlers_.runUntilIdle();
  EXPECT_THAT(seen_, ElementsAre("1", "2"));
}

TEST_F(AsyncHandlerSubscriberTest, ABacklogOverflowIsASlowConsumerAndDiscardsTheBacklog) {
  SubscriptionHandle handle = topic_->subscribe(makeAsync(2)).handle;
  publishAll({"1", "2", "3"});
  env_.executor.runUntilIdle();
  EXPECT_FALSE(handle.active());
  EXPECT_EQ(topic_->stats().slowConsumersDropped, 1u);
  handlers_.runUntilIdle();
  EXPECT_THAT(seen_, IsEmpty());
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kSlowConsumer));
}

TEST_F(AsyncHandlerSubscriberTest, UnsubscribeDiscardsTheBacklogAndNoHandlerCallFollows) {
  SubscriptionHandle handle = topic_->subscribe(makeAsync()).handle;
  publishAll({"1", "2"});
  env_.executor.runUntilIdle();
  EXPECT_TRUE(handle.unsubscribe());
  publishAll({"3"});
  env_.executor.runUntilIdle();
  handlers_.runUntilIdle();
  EXPECT_THAT(seen_, IsEmpty());
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kUnsubscribed));
  EXPECT_FALSE(handle.unsubscribe());
}

TEST_F(AsyncHandlerSubscriberTest, AnIdleSubscriberIsToldOfItsCloseAtOnce) {
  SubscriptionHandle handle = topic_->subscribe(makeAsync()).handle;
  EXPECT_TRUE(handle.unsubscribe());
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kUnsubscribed));
  EXPECT_EQ(handlers_.pending(), 0u);
}

TEST_F(AsyncHandlerSubscriberTest, TheTopicsCloseCompletesOnlyAfterTheBacklogAndOnCloseRan) {
  std::vector<std::string> events;
  auto async = AsyncHandlerSubscriber::create(
      handlers_, [&](const MessagePtr& m) { events.push_back(m->bytes()); },
      [&](CloseReason reason) { events.push_back(std::string(toString(reason))); });
  ASSERT_TRUE(topic_->subscribe(async).ok());
  publishAll({"1", "2", "3"});
  std::optional<CloseOutcome> outcome;
  topic_->close(std::chrono::seconds(1), [&](CloseOutcome o) {
    outcome = o;
    events.push_back("close completed");
  });
  env_.executor.runUntilIdle();
  EXPECT_FALSE(outcome) << "the handlers' backlog has not run yet, so the close is not complete";
  handlers_.runUntilIdle();
  EXPECT_EQ(outcome, CloseOutcome::kCompleted);
  EXPECT_THAT(events, ElementsAre("1", "2", "3", "going away", "close completed"));
}

TEST_F(AsyncHandlerSubscriberTest, ACloseWhoseBacklogOutlivesTheDeadlineSaysSoAndASecondCloseWaitsForTheEnd) {
  std::vector<std::string> events;
  auto async = AsyncHandlerSubscriber::create(
      handlers_, [&](const MessagePtr& m) { events.push_back(m->bytes()); },
      [&](CloseReason reason) { events.push_back(std::string(toString(reason))); });
  ASSERT_TRUE(topic_->subscribe(async).ok());
  publishAll({"1", "2"});
  std::optional<CloseOutcome> first;
  topic_->close(std::chrono::milliseconds(10), [&](CloseOutcome o) { first = o; });
  env_.executor.advanceBy(std::chrono::milliseconds(10));
  EXPECT_EQ(first, CloseOutcome::kDeadlineExceeded);
  std::optional<CloseOutcome> second;
  topic_->close(std::chrono::seconds(1), [&](CloseOutcome o) {
    second = o;
    events.push_back("close completed");
  });
  EXPECT_FALSE(second);
  handlers_.runUntilIdle();
  EXPECT_EQ(second, CloseOutcome::kCompleted);
  EXPECT_THAT(events, ElementsAre("1", "2", "going away", "close completed"));
}

TEST_F(AsyncHandlerSubscriberTest, AHandlerMayUnsubscribeItselfFromInsideItsCall) {
  auto handle = std::make_shared<SubscriptionHandle>();
  std::vector<bool> results;
  auto async = AsyncHandlerSubscriber::create(
      handlers_,
      [&, handle](const MessagePtr& m) {
        seen_.push_back(m->bytes());
        results.push_back(handle->unsubscribe());
      },
      [this](CloseReason reason) { closed_.push_back(reason); });
  *handle = topic_->subscribe(async).handle;
  publishAll({"1", "2", "3"});
  env_.executor.runUntilIdle();
  handlers_.runUntilIdle();
  EXPECT_THAT(seen_, ElementsAre("1"));
  EXPECT_THAT(results, ElementsAre(true));
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kUnsubscribed));
  EXPECT_EQ(topic_->stats().subscribers, 0u);
}

TEST_F(AsyncHandlerSubscriberTest, AThrowingHandlerEndsItselfWithHandlerFailedOnce) {
  auto async = AsyncHandlerSubscriber::create(
      handlers_,
      [this](const MessagePtr& m) {
        seen_.push_back(m->bytes());
        throw std::runtime_error("boom");
      },
      [this](CloseReason reason) { closed_.push_back(reason); });
  SubscriptionHandle handle = topic_->subscribe(async).handle;
  publishAll({"1", "2"});
  env_.executor.runUntilIdle();
  handlers_.runUntilIdle();
  EXPECT_THAT(seen_, ElementsAre("1")) << "the backlog after a failure is dropped";
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kHandlerFailed));

  // The topic learns of it at the next delivery and forgets the subscriber.
  publishAll({"3"});
  env_.executor.runUntilIdle();
  handlers_.runUntilIdle();
  EXPECT_EQ(topic_->stats().subscribers, 0u);
  EXPECT_FALSE(handle.unsubscribe());
  EXPECT_THAT(seen_, ElementsAre("1"));
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kHandlerFailed));
}

TEST_F(AsyncHandlerSubscriberTest, CanBeRemovedWhileOthersOnTheSameExecutorContinue) {
  SubscriptionHandle removed = topic_->subscribe(makeAsync()).handle;
  std::vector<std::string> otherSeen;
  auto other = AsyncHandlerSubscriber::create(
      handlers_, [&](const MessagePtr& m) { otherSeen.push_back(m->bytes()); });
  ASSERT_TRUE(topic_->subscribe(other).ok());
  publishAll({"1"});
  env_.executor.runUntilIdle();
  handlers_.runUntilIdle();
  EXPECT_TRUE(removed.unsubscribe());
  publishAll({"2"});
  env_.executor.runUntilIdle();
  handlers_.runUntilIdle();
  EXPECT_THAT(seen_, ElementsAre("1"));
  EXPECT_THAT(otherSeen, ElementsAre("1", "2"));
}

}  // namespace
}  // namespace spread::core
