// Proves Topic::close and Broker::shutdown: accepted messages go out first, then every
// subscriber gets kGoingAway, and the callback reports kCompleted or kDeadlineExceeded once.
// A slow fan-out is a handler that advances the ManualClock while fan-out yields.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "spread/core/handler_subscriber.h"
#include "spread/testing/mock_subscriber.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using ::testing::InSequence;
using ::testing::Return;
using ::testing::StrictMock;
using spread::testing::MockSubscriber;
using std::chrono::milliseconds;
using test::HasBytes;
using test::VirtualBroker;

// Records every outcome a close callback reports, so a test can prove it ran exactly once.
struct CloseRecorder {
  std::vector<CloseOutcome> outcomes;
  CloseCallback callback() {
    return [this](CloseOutcome o) { outcomes.push_back(o); };
  }
};

class CloseTest : public ::testing::Test {
 protected:
  void publishAll(Topic& topic, std::initializer_list<const char*> texts) {
    for (const char* text : texts) {
      ASSERT_EQ(topic.tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
    }
  }
  // A subscriber whose handler takes 10 ms of virtual time per message.
  std::shared_ptr<HandlerSubscriber> slowHandler(VirtualBroker& env) {
    return std::make_shared<HandlerSubscriber>(
        [&env, this](const MessagePtr& m) {
          slowSeen_.push_back(m->bytes());
          env.clock.advanceBy(milliseconds(10));
        },
        [this](CloseReason reason) { slowClosed_.push_back(reason); });
  }

  VirtualBroker env_;
  std::shared_ptr<Topic> topic_ = env_.topic("chat");
  std::vector<std::string> slowSeen_;
  std::vector<CloseReason> slowClosed_;
};

TEST_F(CloseTest, FansOutWhatWasAcceptedThenClosesEverySubscriberWithGoingAway) {
  auto first = std::make_shared<StrictMock<MockSubscriber>>();
  auto second = std::make_shared<StrictMock<MockSubscriber>>();
  ASSERT_TRUE(topic_->subscribe(first).ok());
  ASSERT_TRUE(topic_->subscribe(second).ok());
  for (auto* mock : {first.get(), second.get()}) {
    InSequence order;
    EXPECT_CALL(*mock, deliver(HasBytes("a"))).WillOnce(Return(Delivery::kAccepted));
    EXPECT_CALL(*mock, deliver(HasBytes("b"))).WillOnce(Return(Delivery::kAccepted));
    EXPECT_CALL(*mock, close(CloseReason::kGoingAway));
  }
  publishAll(*topic_, {"a", "b"});
  CloseRecorder recorder;
  topic_->close(milliseconds(100), recorder.callback());
  EXPECT_TRUE(topic_->closed());
  EXPECT_TRUE(recorder.outcomes.empty()) << "accepted messages are not out yet";
  env_.executor.runUntilIdle();
  EXPECT_THAT(recorder.outcomes, ElementsAre(CloseOutcome::kCompleted));
  EXPECT_EQ(topic_->stats().subscribers, 0u);
}

TEST_F(CloseTest, CompletionIsReportedAfterSubscribersAreClosedAndOnlyOnce) {
  std::vector<std::string> events;
  auto handler = std::make_shared<HandlerSubscriber>(
      [&](const MessagePtr& m) { events.push_back("deliver " + m->bytes()); },
      [&](CloseReason) { events.push_back("close"); });
  ASSERT_TRUE(topic_->subscribe(handler).ok());
  publishAll(*topic_, {"a"});
  topic_->close(milliseconds(100), [&](CloseOutcome o) {
    events.push_back(o == CloseOutcome::kCompleted ? "completed" : "deadline");
  });
  env_.executor.runUntilIdle();
  EXPECT_TRUE(env_.onlyTheSweepIsPending()) << "the deadline timer was cancelled";
  env_.executor.advanceBy(milliseconds(500));
  EXPECT_THAT(events, ElementsAre("deliver a", "close", "completed"));
}

TEST_F(CloseTest, NothingIsDeliveredAfterClose) {
  auto mock = std::make_shared<StrictMock<MockSubscriber>>();
  ASSERT_TRUE(topic_->subscribe(mock).ok());
  EXPECT_CALL(*mock, close(CloseReason::kGoingAway));
  topic_->close(milliseconds(100), [](CloseOutcome) {});
  EXPECT_EQ(topic_->tryPublish(Payload::raw("late")), PublishOutcome::kTopicClosed);
  env_.executor.runUntilIdle();
  EXPECT_EQ(topic_->tryPublish(Payload::raw("later")), PublishOutcome::kTopicClosed);
  env_.executor.runUntilIdle();
}

TEST_F(CloseTest, ClosingAClosedTopicCompletesAtOnce) {
  topic_->close(milliseconds(100), [](CloseOutcome) {});
  env_.executor.runUntilIdle();
  CloseRecorder again;
  topic_->close(milliseconds(100), again.callback());
  EXPECT_THAT(again.outcomes, ElementsAre(CloseOutcome::kCompleted));
}

TEST_F(CloseTest, ASecondCloseWhileClosingCompletesWithTheFirst) {
  publishAll(*topic_, {"a"});
  CloseRecorder first;
  CloseRecorder second;
  topic_->close(milliseconds(100), first.callback());
  topic_->close(milliseconds(100), second.callback());
  EXPECT_TRUE(second.outcomes.empty());
  env_.executor.runUntilIdle();
  EXPECT_THAT(first.outcomes, ElementsAre(CloseOutcome::kCompleted));
  EXPECT_THAT(second.outcomes, ElementsAre(CloseOutcome::kCompleted));
  EXPECT_TRUE(env_.onlyTheSweepIsPending()) << "a deadline timer was left behind";
}

TEST_F(CloseTest, ASlowFanOutMissesTheDeadlineButStillDeliversEverythingThenCloses) {
  VirtualBroker env{BrokerOptions{.topic = {.fanoutBatchMax = 1}}};
  auto topic = env.topic("chat");
  ASSERT_TRUE(topic->subscribe(slowHandler(env)).ok());
  publishAll(*topic, {"1", "2", "3"});  // 30 ms of fan-out
  CloseRecorder recorder;
  topic->close(milliseconds(15), recorder.callback());
  env.executor.runUntilIdle();
  EXPECT_THAT(recorder.outcomes, ElementsAre(CloseOutcome::kDeadlineExceeded));
  EXPECT_THAT(slowSeen_, ElementsAre("1", "2", "3"));
  EXPECT_THAT(slowClosed_, ElementsAre(CloseReason::kGoingAway));
  env.executor.advanceBy(milliseconds(100));
  EXPECT_EQ(recorder.outcomes.size(), 1u);
}

TEST_F(CloseTest, AFanOutThatFitsTheDeadlineCompletes) {
  VirtualBroker env{BrokerOptions{.topic = {.fanoutBatchMax = 1}}};
  auto topic = env.topic("chat");
  ASSERT_TRUE(topic->subscribe(slowHandler(env)).ok());
  publishAll(*topic, {"1", "2", "3"});
  CloseRecorder recorder;
  topic->close(milliseconds(35), recorder.callback());
  env.executor.runUntilIdle();
  EXPECT_THAT(recorder.outcomes, ElementsAre(CloseOutcome::kCompleted));
}

TEST_F(CloseTest, ShutdownFansOutEveryTopicThenClosesItsSubscribers) {
  auto other = env_.topic("other");
  auto chatMock = std::make_shared<StrictMock<MockSubscriber>>();
  auto otherMock = std::make_shared<StrictMock<MockSubscriber>>();
  ASSERT_TRUE(topic_->subscribe(chatMock).ok());
  ASSERT_TRUE(other->subscribe(otherMock).ok());
  {
    InSequence order;
    EXPECT_CALL(*chatMock, deliver(HasBytes("c1"))).WillOnce(Return(Delivery::kAccepted));
    EXPECT_CALL(*chatMock, close(CloseReason::kGoingAway));
  }
  {
    InSequence order;
    EXPECT_CALL(*otherMock, deliver(HasBytes("o1"))).WillOnce(Return(Delivery::kAccepted));
    EXPECT_CALL(*otherMock, deliver(HasBytes("o2"))).WillOnce(Return(Delivery::kAccepted));
    EXPECT_CALL(*otherMock, close(CloseReason::kGoingAway));
  }
  publishAll(*topic_, {"c1"});
  publishAll(*other, {"o1", "o2"});
  CloseRecorder recorder;
  env_.broker.shutdown(milliseconds(100), recorder.callback());
  EXPECT_EQ(topic_->tryPublish(Payload::raw("late")), PublishOutcome::kTopicClosed);
  EXPECT_TRUE(recorder.outcomes.empty());
  env_.executor.runUntilIdle();
  EXPECT_THAT(recorder.outcomes, ElementsAre(CloseOutcome::kCompleted));
  EXPECT_EQ(env_.executor.pending(), 0u) << "the grace timer was cancelled";
  env_.executor.advanceBy(milliseconds(500));
  EXPECT_EQ(recorder.outcomes.size(), 1u);
}

TEST_F(CloseTest, ShutdownReportsDeadlineExceededOnceWhenOneTopicIsTooSlow) {
  VirtualBroker env{BrokerOptions{.topic = {.fanoutBatchMax = 1}}};
  auto slowTopic = env.topic("slow");
  auto quickTopic = env.topic("quick");
  auto quick = std::make_shared<QueueSubscriber>(test::roomyQueue());
  ASSERT_TRUE(slowTopic->subscribe(slowHandler(env)).ok());
  ASSERT_TRUE(quickTopic->subscribe(quick).ok());
  publishAll(*slowTopic, {"1", "2", "3"});
  publishAll(*quickTopic, {"q"});
  CloseRecorder recorder;
  env.broker.shutdown(milliseconds(15), recorder.callback());
  env.executor.runUntilIdle();
  EXPECT_THAT(recorder.outcomes, ElementsAre(CloseOutcome::kDeadlineExceeded));
  // The close still ran to completion after the deadline.
  EXPECT_THAT(slowSeen_, ElementsAre("1", "2", "3"));
  EXPECT_THAT(slowClosed_, ElementsAre(CloseReason::kGoingAway));
  EXPECT_EQ(quick->closeReason(), CloseReason::kGoingAway);
  EXPECT_EQ(quick->size(), 1u);
  env.executor.advanceBy(milliseconds(100));
  EXPECT_EQ(recorder.outcomes.size(), 1u);
}

TEST_F(CloseTest, ASecondShutdownCompletesOnlyWhenTheTopicsHaveClosed) {
  auto queue = std::make_shared<QueueSubscriber>(test::roomyQueue());
  ASSERT_TRUE(topic_->subscribe(queue).ok());
  publishAll(*topic_, {"a"});
  CloseRecorder first;
  CloseRecorder second;
  env_.broker.shutdown(milliseconds(100), first.callback());
  env_.broker.shutdown(milliseconds(100), second.callback());
  EXPECT_TRUE(second.outcomes.empty()) << "the topic is still closing";
  env_.executor.runUntilIdle();
  EXPECT_THAT(first.outcomes, ElementsAre(CloseOutcome::kCompleted));
  EXPECT_THAT(second.outcomes, ElementsAre(CloseOutcome::kCompleted));
  EXPECT_EQ(queue->closeReason(), CloseReason::kGoingAway);
  CloseRecorder third;
  env_.broker.shutdown(milliseconds(100), third.callback());
  EXPECT_THAT(third.outcomes, ElementsAre(CloseOutcome::kCompleted)) << "all closed already";
  EXPECT_EQ(env_.executor.pending(), 0u);
}

TEST_F(CloseTest, CloseTopicThroughTheBrokerReportsTheTopicsOutcome) {
  VirtualBroker env{BrokerOptions{.topic = {.fanoutBatchMax = 1}}};
  auto topic = env.topic("chat");
  ASSERT_TRUE(topic->subscribe(slowHandler(env)).ok());
  publishAll(*topic, {"1", "2", "3"});
  CloseRecorder recorder;
  env.broker.closeTopic("chat", milliseconds(5), recorder.callback());
  env.executor.runUntilIdle();
  EXPECT_THAT(recorder.outcomes, ElementsAre(CloseOutcome::kDeadlineExceeded));
  EXPECT_THAT(slowClosed_, ElementsAre(CloseReason::kGoingAway));
}

TEST_F(CloseTest, ShutdownWaitsForATopicThatCloseTopicIsStillClosing) {
  VirtualBroker env{BrokerOptions{.topic = {.fanoutBatchMax = 1}}};
  auto topic = env.topic("chat");
  auto queue = std::make_shared<QueueSubscriber>(test::roomyQueue());
  ASSERT_TRUE(topic->subscribe(queue).ok());
  publishAll(*topic, {"1", "2", "3"});
  CloseRecorder closing;
  env.broker.closeTopic("chat", milliseconds(100), closing.callback());
  topic.reset();
  CloseRecorder shutdown;
  env.broker.shutdown(milliseconds(100), shutdown.callback());
  EXPECT_TRUE(shutdown.outcomes.empty()) << "chat has not fanned out its messages yet";
  env.executor.runUntilIdle();
  EXPECT_THAT(shutdown.outcomes, ElementsAre(CloseOutcome::kCompleted));
  EXPECT_THAT(closing.outcomes, ElementsAre(CloseOutcome::kCompleted));
  EXPECT_THAT(test::drainBytes(*queue), ElementsAre("1", "2", "3"));
  EXPECT_EQ(queue->closeReason(), CloseReason::kGoingAway);
}

TEST_F(CloseTest, ShutdownWaitsForTheHandlersOfATopicThatCloseTopicClosed) {
  ManualExecutor handlers{env_.clock};
  std::vector<std::string> events;
  auto async = AsyncHandlerSubscriber::create(
      handlers, [&](const MessagePtr& m) { events.push_back(m->bytes()); },
      [&](CloseReason reason) { events.push_back(std::string(toString(reason))); });
  ASSERT_TRUE(topic_->subscribe(async).ok());
  publishAll(*topic_, {"1", "2"});
  CloseRecorder closing;
  env_.broker.closeTopic("chat", milliseconds(100), closing.callback());
  env_.executor.runUntilIdle();
  EXPECT_TRUE(closing.outcomes.empty()) << "the handlers have not run yet";
  CloseRecorder shutdown;
  env_.broker.shutdown(milliseconds(100), [&](CloseOutcome o) {
    shutdown.outcomes.push_back(o);
    events.push_back("shutdown completed");
  });
  env_.executor.runUntilIdle();
  EXPECT_TRUE(shutdown.outcomes.empty());
  handlers.runUntilIdle();
  EXPECT_THAT(events, ElementsAre("1", "2", "going away", "shutdown completed"));
  EXPECT_THAT(closing.outcomes, ElementsAre(CloseOutcome::kCompleted));
}

TEST_F(CloseTest, ATopicRemovedByCloseTopicIsFreedOnceItsCloseFinished) {
  auto queue = std::make_shared<QueueSubscriber>(test::roomyQueue());
  ASSERT_TRUE(topic_->subscribe(queue).ok());
  publishAll(*topic_, {"1"});
  std::weak_ptr<Topic> watched = topic_;
  topic_.reset();
  CloseRecorder closing;
  env_.broker.closeTopic("chat", milliseconds(100), closing.callback());
  EXPECT_FALSE(watched.expired()) << "the broker keeps it while it closes";
  env_.executor.runUntilIdle();
  EXPECT_THAT(closing.outcomes, ElementsAre(CloseOutcome::kCompleted));
  EXPECT_TRUE(watched.expired()) << "a closed topic is not kept for a shutdown to wait for";
}

}  // namespace
}  // namespace spread::core
