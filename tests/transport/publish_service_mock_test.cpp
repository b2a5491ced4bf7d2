// Proves what the shared publish path asks of the broker, against StrictMock registries and
// topics: it only ever looks a topic up (never creates one), drops a publish to a missing
// topic as accepted, refuses a bad name or a drained service without asking, and answers 503
// when the topic is closed, at once or while the publish waited for room.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "spread/transport/chat_codec.h"
#include "spread/testing/mock_topic.h"
#include "spread/testing/mock_topic_registry.h"
#include "spread/transport/publish_service.h"

namespace spread::transport {
namespace {

using ::testing::_;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Invoke;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::StrictMock;
using namespace std::chrono_literals;

constexpr core::Duration kWait = 50ms;

class PublishServiceMockTest : public ::testing::Test {
 protected:
  std::optional<PublishResult> publish(std::string_view topic, std::string_view body) {
    std::optional<PublishResult> outcome;
    service_.publish(topic, body, [&](PublishResult result) {
      EXPECT_FALSE(outcome.has_value()) << "answered twice";
      outcome = std::move(result);
    });
    return outcome;
  }

  static std::string chat() { return transport::ChatCodec::encode({"ann", "hi"}); }

  StrictMock<testing::MockTopicRegistry> registry_;
  std::shared_ptr<StrictMock<testing::MockTopic>> topic_ = std::make_shared<StrictMock<testing::MockTopic>>();
  Metrics metrics_;
  PublishService service_{registry_, metrics_, kWait, "lobby"};
};

TEST_F(PublishServiceMockTest, APublishToAMissingTopicIsAcceptedAndDroppedWithoutCreatingIt) {
  // StrictMock: a call to topic(), which would create one, fails the test.
  EXPECT_CALL(registry_, find(Eq("nobody-here"))).WillOnce(Return(nullptr));
  std::optional<PublishResult> result = publish("nobody-here", chat());
  ASSERT_TRUE(result.has_value()) << "a dropped publish is answered at once";
  EXPECT_EQ(result->httpStatus(), 204);
  EXPECT_EQ(metrics_.publishedCount(), 1u);
}

TEST_F(PublishServiceMockTest, AnEmptyTopicIsLookedUpAsTheDefaultTopic) {
  EXPECT_CALL(registry_, find(Eq("lobby"))).WillOnce(Return(topic_));
  EXPECT_CALL(*topic_, publish(_, Eq(kWait), _))
      .WillOnce(Invoke([](core::Payload, core::Duration, core::PublishCallback done) {
        done(core::PublishOutcome::kAccepted);
      }));
  std::optional<PublishResult> result = publish("", chat());
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->ok()) << result->error;
  EXPECT_EQ(metrics_.publishedCount(), 1u);
}

TEST_F(PublishServiceMockTest, ABadTopicIs400NamingTheTopicWithoutAskingTheBroker) {
  std::optional<PublishResult> result = publish("has space", chat());
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->httpStatus(), 400);
  EXPECT_EQ(result->field, "topic");
  EXPECT_THAT(result->error, HasSubstr("position 3"));
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kBadTopic), 1u);
  EXPECT_EQ(metrics_.publishedCount(), 0u);
}

TEST_F(PublishServiceMockTest, AClosedTopicIs503) {
  EXPECT_CALL(registry_, find(Eq("room"))).WillOnce(Return(topic_));
  EXPECT_CALL(*topic_, publish(_, _, _))
      .WillOnce(Invoke([](core::Payload, core::Duration, core::PublishCallback done) {
        done(core::PublishOutcome::kTopicClosed);
      }));
  std::optional<PublishResult> result = publish("room", chat());
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->httpStatus(), 503);
  EXPECT_THAT(result->errorJson(), HasSubstr("the topic is closed"));
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kDraining), 1u);
  EXPECT_EQ(metrics_.publishedCount(), 0u);
}

TEST_F(PublishServiceMockTest, WhileTheBrokerShutsDownAWaitingPublishIs503AndANewOneIsNotLookedUp) {
  // The publish waits for room; then the daemon drains the publish path and shuts the broker
  // down, which closes the topic under the waiting publish.
  core::PublishCallback waiting;
  EXPECT_CALL(registry_, find(Eq("room"))).WillOnce(Return(topic_));
  EXPECT_CALL(*topic_, publish(_, Eq(kWait), _)).WillOnce(SaveArg<2>(&waiting));
  std::optional<PublishResult> result;
  service_.publish("room", chat(), [&](PublishResult r) { result = std::move(r); });
  ASSERT_FALSE(result.has_value()) << "answered before the topic did";
  ASSERT_TRUE(waiting);

  service_.beginDrain();
  std::optional<PublishResult> later = publish("room", chat());  // StrictMock: no lookup this time
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->httpStatus(), 503);
  EXPECT_THAT(later->error, HasSubstr("shutting down"));

  waiting(core::PublishOutcome::kTopicClosed);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->httpStatus(), 503);
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kDraining), 2u);
}

}  // namespace
}  // namespace spread::transport
