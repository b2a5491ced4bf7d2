// Proves the shared publish path maps every outcome to the right status and a JSON error
// that names the problem, counts what it refuses, and never creates a topic. Runs on virtual
// time against the real broker (publish_service_mock_test.cpp has the mocked interactions).
#include "session_fixture.h"

#include "spread/core/queue_subscriber.h"

namespace spread::transport {
namespace {

using ::testing::HasSubstr;

class PublishServiceTest : public SessionFixture {
 protected:
  PublishResult publishBody(std::string_view topic, std::string_view body) {
    std::optional<PublishResult> outcome;
    publisher_.publish(topic, body, [&](PublishResult result) { outcome = std::move(result); });
    executor_.advanceBy(1s);
    EXPECT_TRUE(outcome.has_value()) << "publish never answered";
    return outcome.value_or(PublishResult{});
  }
};

TEST_F(PublishServiceTest, AcceptedPublishIs204AndCountedAndAnEmptyTopicMeansTheDefault) {
  auto listener = std::make_shared<core::QueueSubscriber>(core::QueueLimits{.messagesMax = 8, .bytesMax = 1 << 16});
  ASSERT_TRUE(broker_.topic("chat").topic->subscribe(listener).ok());
  PublishResult result = publishBody("", chat("ann", "hi"));
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.httpStatus(), 204);
  EXPECT_EQ(metrics_.publishedCount(), 1u);
  EXPECT_EQ(listener->size(), 1u) << "an empty topic means the default topic";
}

TEST_F(PublishServiceTest, MissingFieldIs400NamingTheField) {
  PublishResult result = publishBody("chat", R"({"msg":"hi"})");
  EXPECT_EQ(result.httpStatus(), 400);
  EXPECT_EQ(result.field, "name");
  EXPECT_THAT(result.errorJson(), HasSubstr(R"("field":"name")"));
  EXPECT_THAT(result.errorJson(), HasSubstr("is required"));
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kBadRequest), 1u);
}

TEST_F(PublishServiceTest, MalformedJsonIs400) {
  PublishResult result = publishBody("chat", "{not json");
  EXPECT_EQ(result.httpStatus(), 400);
  EXPECT_THAT(result.error, HasSubstr("malformed JSON"));
}

TEST_F(PublishServiceTest, InvalidTopicNameIs400NamingTopic) {
  PublishResult result = publishBody("no spaces", chat("ann", "hi"));
  EXPECT_EQ(result.httpStatus(), 400);
  EXPECT_EQ(result.field, "topic");
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kBadTopic), 1u);
}

TEST_F(PublishServiceTest, WaitingPublishIsAcceptedOnceFanOutMakesRoom) {
  auto topic = broker_.topic("chat").topic;
  // Someone listens, so accepted messages queue for fan-out (with nobody, none would).
  auto listener = std::make_shared<core::QueueSubscriber>(core::QueueLimits{.messagesMax = 64, .bytesMax = 1 << 16});
  ASSERT_TRUE(topic->subscribe(listener).ok());
  for (int i = 0; i < 8; ++i) ASSERT_EQ(topic->tryPublish(core::Payload::raw("x")), core::PublishOutcome::kAccepted);
  std::optional<PublishResult> outcome;
  publisher_.publish("chat", chat("ann", "late"), [&](PublishResult result) { outcome = result; });
  ASSERT_FALSE(outcome.has_value()) << "it should wait for room first";
  executor_.runUntilIdle();  // the fan-out runs at the current instant, before the wait ends
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->ok()) << outcome->error;
}

// Holds back every post()ed task (the fan-out) while timers still fire: a topic that
// never makes room, as when the executor is saturated.
class StalledFanOutExecutor : public core::Executor {
 public:
  explicit StalledFanOutExecutor(core::ManualExecutor& timers) : timers_(timers) {}
  bool post(core::Task task) override {
    held_.push_back(std::move(task));
    return true;
  }
  core::TimerId postAfter(core::Duration delay, core::Task task) override {
    return timers_.postAfter(delay, std::move(task));
  }
  bool cancel(core::TimerId id) override { return timers_.cancel(id); }
  std::uint64_t refusedTasks() const override { return timers_.refusedTasks(); }

 private:
  core::ManualExecutor& timers_;
  std::vector<core::Task> held_;
};

TEST_F(PublishServiceTest, TimesOutAsBusy503WhenNoRoomAppears) {
  StalledFanOutExecutor stalled(executor_);
  core::Broker broker(clock_, stalled, core::BrokerOptions{.topicsMax = 1, .topic = {.inboundMessagesMax = 1}});
  PublishService publisher(broker, metrics_, 50ms, "chat");
  auto topic = broker.topic("chat").topic;
  // Someone listens, so accepted messages queue for fan-out (with nobody, none would).
  auto listener = std::make_shared<core::QueueSubscriber>(core::QueueLimits{.messagesMax = 64, .bytesMax = 1 << 16});
  ASSERT_TRUE(topic->subscribe(listener).ok());
  std::vector<PublishResult> results;
  for (int i = 0; i < 2; ++i) {
    publisher.publish("chat", chat("ann", "x"), [&](PublishResult result) { results.push_back(result); });
  }
  ASSERT_EQ(results.size(), 1u) << "the second publish should be waiting for room";
  executor_.advanceBy(49ms);
  ASSERT_EQ(results.size(), 1u) << "answered before its wait was over";
  executor_.advanceBy(1ms);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].httpStatus(), 503);
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kBusy), 1u);
}

TEST_F(PublishServiceTest, DrainingIs503) {
  publisher_.beginDrain();
  PublishResult result = publishBody("chat", chat("ann", "hi"));
  EXPECT_EQ(result.httpStatus(), 503);
  EXPECT_THAT(result.error, HasSubstr("shutting down"));
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kDraining), 1u);
}

TEST_F(PublishServiceTest, PublishesToTopicsNobodySubscribesAreAcceptedAndCreateNone) {
  // Three names under a limit of two: none of them takes a place.
  for (const char* topic : {"one", "two", "three"}) {
    PublishResult result = publishBody(topic, chat("a", "b"));
    EXPECT_EQ(result.httpStatus(), 204) << topic << ": " << result.error;
  }
  EXPECT_EQ(metrics_.publishedCount(), 3u) << "a dropped publish still counts as published";
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kTooManyTopics), 0u);
  EXPECT_TRUE(broker_.topicNames().empty()) << "a publish created a topic";
  EXPECT_TRUE(broker_.topic("one").ok()) << "a subscriber's room was locked out";
}

TEST_F(PublishServiceTest, ErrorJsonEscapesTheMessage) {
  PublishResult result{PublishResult::Status::kBadRequest, "bad \"quote\"\n", ""};
  EXPECT_EQ(result.errorJson(), R"({"error":"bad \"quote\"\n"})");
}

}  // namespace
}  // namespace spread::transport
