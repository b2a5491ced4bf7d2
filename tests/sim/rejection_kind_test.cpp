// Proves the simulator names a refusal by the kind the server meant: the error frame a real
// Session sends, and the error of each refused publish, read back as the kind of the
// PublishResult status (or limit) behind it. The wording comes from the real Session and
// PublishService on a real broker, so a reworded refusal fails here, not in a scenario.
#include "../transport/session_fixture.h"
#include "rejection_kind.h"
#include "spread/core/queue_subscriber.h"

namespace spread::sim {

void PrintTo(RejectionKind kind, std::ostream* out) { *out << toString(kind); }

namespace {

using namespace std::chrono_literals;
using transport::PublishResult;
using transport::PublishService;

class RejectionKindTest : public transport::SessionFixture {
 protected:
  // Every answer `publisher` gives, in order, once the executor has run.
  std::vector<PublishResult> answers(PublishService& publisher, const std::string& topic,
                                     const std::vector<std::string>& bodies) {
    std::vector<PublishResult> out;
    for (const std::string& body : bodies) {
      publisher.publish(topic, body, [&out](PublishResult result) { out.push_back(std::move(result)); });
    }
    executor_.advanceBy(1s);
    return out;
  }

  // A topic that takes a message but has no room for more until its fan-out runs.
  void fillChat() {
    auto listener =
        std::make_shared<core::QueueSubscriber>(core::QueueLimits{.messagesMax = 64, .bytesMax = 1 << 16});
    ASSERT_TRUE(broker_.topic("chat").topic->subscribe(listener).ok());
    listeners_.push_back(listener);
    for (int i = 0; i < 8; ++i) {
      publisher_.publish("chat", chat("ann", "fill"), [](PublishResult result) { ASSERT_TRUE(result.ok()); });
    }
  }

  // The wire's error frames, kept as the session sends them.
  static std::vector<std::string>& recordTexts(FakeWire& wire, std::vector<std::string>& texts) {
    ON_CALL(*wire.connection, sendText(::testing::_)).WillByDefault([&texts](std::string text) {
      texts.push_back(std::move(text));
    });
    return texts;
  }

  std::vector<std::shared_ptr<core::QueueSubscriber>> listeners_;
};

TEST_F(RejectionKindTest, EachRefusedPublishReadsBackAsTheKindOfItsStatus) {
  const std::vector<std::string> badBodies{"",
                                           "[1]",
                                           "{not json",
                                           "{\"name\":\"ann\",\"msg\":\"\xff\"}",
                                           "\xff{}",
                                           R"({"msg":"hi"})",
                                           R"({"name":"ann","msg":""})",
                                           R"({"name":"ann","msg":7})",
                                           R"({"name":null,"msg":"x"})",
                                           chat(std::string(65, 'n'), "too long a name")};
  std::vector<PublishResult> refused = answers(publisher_, "chat", badBodies);
  ASSERT_EQ(refused.size(), badBodies.size());
  for (const PublishResult& result : refused) EXPECT_EQ(result.status, PublishResult::Status::kBadRequest);

  for (PublishResult& result : answers(publisher_, "bad/topic", {chat("ann", "hi")})) {
    EXPECT_EQ(result.status, PublishResult::Status::kBadTopic);
    refused.push_back(std::move(result));
  }

  // Busy: a topic with no room, and no wait for any.
  fillChat();
  PublishService impatient(broker_, metrics_, 0ms, "chat");
  std::vector<PublishResult> busy;
  impatient.publish("chat", chat("ann", "no room"), [&busy](PublishResult result) { busy.push_back(result); });
  ASSERT_EQ(busy.size(), 1u);
  EXPECT_EQ(busy[0].status, PublishResult::Status::kBusy);
  refused.push_back(busy[0]);

  // Draining: the server is shutting down.
  PublishService draining(broker_, metrics_, 0ms, "chat");
  draining.beginDrain();
  for (PublishResult& result : answers(draining, "chat", {chat("ann", "late")})) {
    EXPECT_EQ(result.status, PublishResult::Status::kDraining);
    refused.push_back(std::move(result));
  }

  for (const PublishResult& result : refused) {
    EXPECT_EQ(rejectionKindOfErrorFrame(result.errorJson()), rejectionKindOf(result.status)) << result.errorJson();
  }
}

TEST_F(RejectionKindTest, ATopicClosedUnderAWaitingPublishIsDraining) {
  fillChat();
  std::vector<PublishResult> results;
  publisher_.publish("chat", chat("ann", "waits"), [&results](PublishResult result) { results.push_back(result); });
  ASSERT_TRUE(results.empty()) << "the publish should be waiting for room";
  broker_.closeTopic("chat", 0ms, [](core::CloseOutcome) {});
  executor_.advanceBy(1s);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_EQ(results[0].status, PublishResult::Status::kDraining) << results[0].errorJson();
  EXPECT_EQ(rejectionKindOfErrorFrame(results[0].errorJson()), RejectionKind::kDraining);
}

TEST_F(RejectionKindTest, TheSessionsOwnRefusalsAreBusyAndRateLimited) {
  // Too many of one connection's frames waiting for room in a full topic: a few wait in the
  // topic, the session holds more up to its bound, and the one past that is refused.
  FakeWire waiting;
  std::vector<std::string> waitingTexts;
  recordTexts(waiting, waitingTexts);
  auto first = open(waiting);
  fillChat();
  const std::string large = chat("ann", std::string(100 * 1024, 'w'));
  while (waitingTexts.empty() && first->state() == transport::Session::State::kOpen) first->onText(large);
  ASSERT_EQ(waitingTexts.size(), 1u);
  EXPECT_EQ(rejectionKindOfErrorFrame(waitingTexts[0]), RejectionKind::kBusy) << waitingTexts[0];

  // Over the connection's publish rate, then over its address's.
  context_.session.publishesPerSecond = 1;
  context_.session.publishBurst = 1;
  FakeWire fast;
  std::vector<std::string> fastTexts;
  recordTexts(fast, fastTexts);
  auto second = transport::Session::create(context_, fast.connection, "news");
  second->start();
  second->onText(chat("ann", "1"));
  second->onText(chat("ann", "2"));
  context_.session.publishesPerSecond = 0;
  FakeWire crowded;
  std::vector<std::string> crowdedTexts;
  recordTexts(crowded, crowdedTexts);
  EXPECT_CALL(*crowded.connection, admitPublish()).WillOnce(::testing::Return(core::Duration(500ms)));
  auto third = transport::Session::create(context_, crowded.connection, "news");
  third->start();
  third->onText(chat("ann", "3"));
  ASSERT_EQ(fastTexts.size(), 1u);
  ASSERT_EQ(crowdedTexts.size(), 1u);
  EXPECT_EQ(rejectionKindOfErrorFrame(fastTexts[0]), RejectionKind::kRateLimited) << fastTexts[0];
  EXPECT_EQ(rejectionKindOfErrorFrame(crowdedTexts[0]), RejectionKind::kRateLimited) << crowdedTexts[0];
}

TEST_F(RejectionKindTest, AnythingElseIsUnknownAndHasNoNameAScenarioMayUse) {
  for (const char* text : {"", "hello", "{}", R"({"error":7})", R"({"error":"something new"})",
                           R"({"error":"x","field":"colour"})"}) {
    EXPECT_EQ(rejectionKindOfErrorFrame(text), RejectionKind::kUnknown) << text;
  }
  EXPECT_FALSE(rejectionKindNamed("unknown").has_value());
  for (std::size_t i = 0; i < static_cast<std::size_t>(RejectionKind::kUnknown); ++i) {
    const auto kind = static_cast<RejectionKind>(i);
    EXPECT_EQ(rejectionKindNamed(toString(kind)), kind);
  }
  EXPECT_EQ(rejectionKindNames(), "bad_request, bad_topic, busy, draining, rate_limited, unauthorized, forbidden or unavailable");
}

}  // namespace
}  // namespace spread::sim
