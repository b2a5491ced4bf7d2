// Proves components against mocked interfaces only: TypedTopic<ChatMessage> against MockTopic,
// AsyncHandlerSubscriber against MockExecutor, and a topic against MockClock and MockExecutor
// (one drain task; deadline timers posted and cancelled).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "spread/core/broker.h"
#include "spread/core/queue_subscriber.h"
#include "spread/core/typed_topic.h"
#include "spread/testing/mocks.h"
#include "spread/transport/chat_codec.h"

namespace spread::core {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::Invoke;
using ::testing::IsEmpty;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::StrictMock;
using spread::testing::MockClock;
using spread::testing::MockExecutor;
using spread::testing::MockTopic;
using transport::ChatCodec;
using transport::ChatMessage;
using std::chrono::milliseconds;

MATCHER_P(IsTypedChat, expected, "a payload carrying the encoded and the typed chat message") {
  return arg.bytes == ChatCodec::encode(expected) && arg.valueType != nullptr &&
         *arg.valueType == typeid(ChatMessage) && arg.value != nullptr &&
         *static_cast<const ChatMessage*>(arg.value.get()) == expected;
}

MessagePtr messageFrom(Payload payload, std::uint64_t sequence = 1) {
  return std::make_shared<const Message>(sequence, TimePoint{}, std::move(payload));
}

class TypedTopicWithMockTopicTest : public ::testing::Test {
 protected:
  std::shared_ptr<StrictMock<MockTopic>> topic_ = std::make_shared<StrictMock<MockTopic>>();
  TypedTopic<ChatMessage> chat_{topic_};
};

TEST_F(TypedTopicWithMockTopicTest, TryPublishHandsTheTopicBytesAndTypedValueAndReturnsItsAnswer) {
  const ChatMessage hello{"ann", "hello \"you\""};
  EXPECT_CALL(*topic_, tryPublish(IsTypedChat(hello))).WillOnce(Return(PublishOutcome::kBusy));
  EXPECT_EQ(chat_.tryPublish(hello), PublishOutcome::kBusy);
}

TEST_F(TypedTopicWithMockTopicTest, PublishPassesTheWaitAndReportsTheTopicsOutcome) {
  const ChatMessage hello{"bob", "hi"};
  EXPECT_CALL(*topic_, publish(IsTypedChat(hello), Eq(milliseconds(50)), _))
      .WillOnce(Invoke([](Payload, Duration, PublishCallback done) { done(PublishOutcome::kTimedOut); }));
  std::vector<PublishOutcome> outcomes;
  chat_.publish(hello, milliseconds(50), [&](PublishOutcome o) { outcomes.push_back(o); });
  EXPECT_THAT(outcomes, ElementsAre(PublishOutcome::kTimedOut));
}

TEST_F(TypedTopicWithMockTopicTest, RegistersASubscriberThatCallsTheHandlerWithTypedValues) {
  std::shared_ptr<Subscriber> registered;
  EXPECT_CALL(*topic_, subscribe(_, _))
      .WillOnce(DoAll(SaveArg<0>(&registered),
                      Return(SubscribeResult{SubscribeResult::Status::kSubscribed, {}})));
  std::vector<ChatMessage> seen;
  std::vector<CloseReason> closed;
  ASSERT_TRUE(chat_.subscribe([&](const ChatMessage& m) { seen.push_back(m); },
                              [&](CloseReason r) { closed.push_back(r); })
                  .ok());
  ASSERT_NE(registered, nullptr);

  const ChatMessage typed{"ann", "typed"};
  EXPECT_EQ(registered->deliver(messageFrom(TypedTopic<ChatMessage>::encode(typed))), Delivery::kAccepted);
  EXPECT_EQ(registered->deliver(messageFrom(Payload::raw(R"({"name":"cy","msg":"raw"})"))),
            Delivery::kAccepted);
  EXPECT_EQ(registered->deliver(messageFrom(Payload::raw("not chat"))), Delivery::kAccepted);
  registered->close(CloseReason::kGoingAway);
  EXPECT_THAT(seen, ElementsAre(typed, (ChatMessage{"cy", "raw"})));
  EXPECT_THAT(closed, ElementsAre(CloseReason::kGoingAway));
}

TEST_F(TypedTopicWithMockTopicTest, ARegisteredSubscriberReportsAThrowingHandler) {
  std::shared_ptr<Subscriber> registered;
  EXPECT_CALL(*topic_, subscribe(_, _))
      .WillOnce(DoAll(SaveArg<0>(&registered),
                      Return(SubscribeResult{SubscribeResult::Status::kSubscribed, {}})));
  (void)chat_.subscribe([](const ChatMessage&) { throw std::runtime_error("handler bug"); });
  ASSERT_NE(registered, nullptr);
  EXPECT_EQ(registered->deliver(messageFrom(TypedTopic<ChatMessage>::encode({"a", "b"}))),
            Delivery::kFailed);
}

TEST_F(TypedTopicWithMockTopicTest, PassesOnARefusedSubscription) {
  EXPECT_CALL(*topic_, subscribe(_, _)).WillOnce(Return(SubscribeResult{}));
  EXPECT_EQ(chat_.subscribe([](const ChatMessage&) {}).status, SubscribeResult::Status::kTopicClosed);
}

class AsyncHandlerWithMockExecutorTest : public ::testing::Test {
 protected:
  std::shared_ptr<AsyncHandlerSubscriber> make(std::size_t backlogMax) {
    return AsyncHandlerSubscriber::create(
        executor_, [this](const MessagePtr& m) { seen_.push_back(m->bytes()); },
        [this](CloseReason r) { closed_.push_back(r); }, backlogMax);
  }

  StrictMock<MockExecutor> executor_;
  std::vector<std::string> seen_;
  std::vector<CloseReason> closed_;
};

TEST_F(AsyncHandlerWithMockExecutorTest, PostsOneTaskPerBacklogRunAndHandlesInOrder) {
  auto async = make(8);
  Task posted;
  EXPECT_CALL(executor_, post(_)).WillOnce(DoAll(SaveArg<0>(&posted), Return(true)));
  for (const char* text : {"1", "2", "3"}) {
    EXPECT_EQ(async->deliver(messageFrom(Payload::raw(text))), Delivery::kAccepted);
  }
  ASSERT_TRUE(posted);
  EXPECT_THAT(seen_, IsEmpty());
  posted();
  EXPECT_THAT(seen_, ElementsAre("1", "2", "3"));

  // The run finished, so the next delivery needs a new task.
  Task again;
  EXPECT_CALL(executor_, post(_)).WillOnce(DoAll(SaveArg<0>(&again), Return(true)));
  EXPECT_EQ(async->deliver(messageFrom(Payload::raw("4"))), Delivery::kAccepted);
  again();
  EXPECT_THAT(seen_, ElementsAre("1", "2", "3", "4"));
}

TEST_F(AsyncHandlerWithMockExecutorTest, RefusesDeliveryBeyondItsBacklogWithoutPostingAgain) {
  auto async = make(2);
  EXPECT_CALL(executor_, post(_)).WillOnce(Return(true));
  EXPECT_EQ(async->deliver(messageFrom(Payload::raw("1"))), Delivery::kAccepted);
  EXPECT_EQ(async->deliver(messageFrom(Payload::raw("2"))), Delivery::kAccepted);
  EXPECT_EQ(async->deliver(messageFrom(Payload::raw("3"))), Delivery::kFull);
}

TEST_F(AsyncHandlerWithMockExecutorTest, AnUnsubscribeWhileATaskIsPendingIsReportedAtOnceAndTheTaskHandlesNothing) {
  auto async = make(8);
  Task posted;
  EXPECT_CALL(executor_, post(_)).WillOnce(DoAll(SaveArg<0>(&posted), Return(true)));
  ASSERT_EQ(async->deliver(messageFrom(Payload::raw("dropped"))), Delivery::kAccepted);
  bool finished = false;
  async->close(CloseReason::kUnsubscribed);
  async->whenFinished([&] { finished = true; });
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kUnsubscribed)) << "nothing of it may run after close() returned";
  EXPECT_TRUE(finished);
  posted();
  EXPECT_THAT(seen_, IsEmpty());
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kUnsubscribed)) << "reported once";
}

TEST_F(AsyncHandlerWithMockExecutorTest, ARefusedTaskEndsTheSubscriberWithAbandonedAndLosesNothingSilently) {
  auto async = make(8);
  EXPECT_CALL(executor_, post(_)).WillOnce(Return(false));
  EXPECT_EQ(async->deliver(messageFrom(Payload::raw("1"))), Delivery::kFailed)
      << "the topic must learn that this subscriber cannot take messages any more";
  async->close(CloseReason::kHandlerFailed);  // what the topic does with kFailed
  EXPECT_THAT(seen_, IsEmpty());
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kAbandoned)) << "the loss is reported as such";
}

TEST(TopicWithMockSeamsTest, PostsOneDrainTaskAndStampsTheClocksTime) {
  StrictMock<MockClock> clock;
  StrictMock<MockExecutor> executor;
  const TimePoint stamp = TimePoint{} + milliseconds(1234);
  EXPECT_CALL(clock, now()).WillRepeatedly(Return(stamp));
  Broker broker(clock, executor);
  auto topic = broker.topic("chat").topic;
  ASSERT_NE(topic, nullptr);

  Task drain;
  EXPECT_CALL(executor, post(_)).WillOnce(DoAll(SaveArg<0>(&drain), Return(true)));
  auto subscriber = std::make_shared<StrictMock<spread::testing::MockSubscriber>>();
  ASSERT_TRUE(topic->subscribe(subscriber).ok());
  std::vector<MessagePtr> received;
  EXPECT_CALL(*subscriber, deliver(_)).Times(2).WillRepeatedly(Invoke([&](const MessagePtr& m) {
    received.push_back(m);
    return Delivery::kAccepted;
  }));
  ASSERT_EQ(topic->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);
  ASSERT_EQ(topic->tryPublish(Payload::raw("b")), PublishOutcome::kAccepted);
  ASSERT_TRUE(drain);
  drain();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0]->acceptedAt(), stamp);
  EXPECT_EQ(received[1]->sequence(), 2u);
}

TEST(TopicWithMockSeamsTest, AWaitingPublisherPostsItsDeadlineAndCancelsItWhenAdmitted) {
  StrictMock<MockClock> clock;
  StrictMock<MockExecutor> executor;
  EXPECT_CALL(clock, now()).WillRepeatedly(Return(TimePoint{}));
  Broker broker(clock, executor, BrokerOptions{.topicsMax = 1, .topic = {.inboundMessagesMax = 1}});
  auto topic = broker.topic("chat").topic;
  // Someone listens, so accepted messages queue for fan-out (with nobody, none would).
  auto listener = std::make_shared<QueueSubscriber>(QueueLimits{.messagesMax = 8, .bytesMax = 1024});
  ASSERT_TRUE(topic->subscribe(listener).ok());

  Task drain;
  EXPECT_CALL(executor, post(_)).WillOnce(DoAll(SaveArg<0>(&drain), Return(true)));
  ASSERT_EQ(topic->tryPublish(Payload::raw("a")), PublishOutcome::kAccepted);
  EXPECT_CALL(executor, postAfter(Eq(milliseconds(40)), _)).WillOnce(Return(TimerId{77}));
  std::vector<PublishOutcome> outcomes;
  topic->publish(Payload::raw("b"), milliseconds(40), [&](PublishOutcome o) { outcomes.push_back(o); });
  EXPECT_THAT(outcomes, IsEmpty());

  EXPECT_CALL(executor, cancel(TimerId{77})).WillOnce(Return(true));
  drain();
  EXPECT_THAT(outcomes, ElementsAre(PublishOutcome::kAccepted));
}

}  // namespace
}  // namespace spread::core
