// Proves how a session starts from history: a client that asked for it hears how its resume
// went in its first frame, before any replayed or live message; a replay that would not fit
// its queue is refused rather than dropping the client as too slow; a client that asked for
// nothing gets no such frame.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "session_fixture.h"
#include "spread/transport/message_position.h"

namespace spread::transport {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SessionResumeTest : public ::testing::Test {
 protected:
  // Everything a connection was handed, texts and messages alike, in order.
  struct OrderedWire {
    std::shared_ptr<::testing::NiceMock<testing::MockConnection>> connection =
        std::make_shared<::testing::NiceMock<testing::MockConnection>>();
    std::vector<std::string> sent;

    OrderedWire() {
      ON_CALL(*connection, send(::testing::_)).WillByDefault([this](std::span<const core::MessagePtr> batch) {
        for (const auto& message : batch) sent.push_back(message->bytes());
      });
      ON_CALL(*connection, sendText(::testing::_)).WillByDefault([this](std::string text) {
        sent.push_back(std::move(text));
      });
    }
  };

  std::shared_ptr<Session> open(OrderedWire& wire, core::SubscribeFrom from = {}) {
    auto session = Session::create(context_, wire.connection, "chat", nullptr, from);
    session->start();
    executor_.runUntilIdle();
    return session;
  }
  void publish(const std::string& msg) {
    publisher_.publish("chat", ChatCodec::encode({"p", msg}),
                       [](PublishResult result) { ASSERT_TRUE(result.ok()) << result.error; });
    executor_.runUntilIdle();
  }
  std::string stamped(const std::string& msg, std::uint64_t offset) {
    std::string bytes = ChatCodec::encode({"p", msg});
    stampChatPosition(bytes, offset, epoch());
    return bytes;
  }
  std::uint64_t epoch() { return broker_.find("chat")->epoch(); }

  static core::BrokerOptions withHistory() {
    core::BrokerOptions options{.topicsMax = 2, .topic = {.inboundMessagesMax = 8, .historySize = 10}};
    options.topic.stampPosition = stampChatPosition;
    options.epochSeed = 5;
    return options;
  }
  static SessionOptions limits() {
    SessionOptions options;
    options.queue = core::QueueLimits{4, 1 << 16};
    return options;
  }

  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  core::Broker broker_{clock_, executor_, withHistory()};
  Metrics metrics_;
  PublishService publisher_{broker_, metrics_, std::chrono::milliseconds(50), "chat"};
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
  TransportContext context_{broker_, clock_, executor_, metrics_, publisher_, limits(),
                            *config_, Poco::Logger::get("session-resume-test")};
};

TEST_F(SessionResumeTest, TheResumeFrameComesFirstThenTheReplayThenLiveMessages) {
  OrderedWire keeper;
  auto keeping = open(keeper);
  publish("one");
  publish("two");
  publish("three");
  OrderedWire resumer;
  auto resumed = open(resumer, core::SubscribeFrom::after(1, epoch()));
  publish("four");
  const std::string hex = epochHex(epoch());
  EXPECT_THAT(resumer.sent, ElementsAre(R"({"resume":"ok","epoch":")" + hex + R"(","offset":3,"replayed":2})",
                                        stamped("two", 2), stamped("three", 3), stamped("four", 4)));
  EXPECT_THAT(keeper.sent, ElementsAre(stamped("one", 1), stamped("two", 2), stamped("three", 3), stamped("four", 4)))
      << "a client that asked for nothing gets no resume frame";
}

TEST_F(SessionResumeTest, AReplayLargerThanTheQueueIsRefusedAndTheClientStaysLive) {
  OrderedWire keeper;
  auto keeping = open(keeper);
  for (const char* msg : {"a", "b", "c", "d", "e", "f"}) publish(msg);
  OrderedWire resumer;
  auto resumed = open(resumer, core::SubscribeFrom::after(0, epoch()));
  publish("g");
  EXPECT_THAT(resumer.sent, ElementsAre(HasSubstr(R"("resume":"impossible","reason":"replay too large")"),
                                        stamped("g", 7)));
  EXPECT_EQ(resumed->state(), Session::State::kOpen);

  OrderedWire newest;
  auto last = open(newest, core::SubscribeFrom::last(10));  // cut to the queue's 4
  EXPECT_THAT(newest.sent, ElementsAre(HasSubstr(R"("offset":7,"replayed":4})"), stamped("d", 4), stamped("e", 5),
                                       stamped("f", 6), stamped("g", 7)));
}

TEST_F(SessionResumeTest, AnotherEpochIsReportedWithTheCurrentOne) {
  OrderedWire keeper;
  auto keeping = open(keeper);
  publish("one");
  OrderedWire resumer;
  auto resumed = open(resumer, core::SubscribeFrom::after(1, epoch() ^ 1));
  EXPECT_THAT(resumer.sent, ElementsAre(R"({"resume":"impossible","reason":"epoch changed","epoch":")" +
                                        epochHex(epoch()) + R"(","offset":1})"));
}

}  // namespace
}  // namespace spread::transport
