// A session on a cluster node whose topic is new there: its resume is decided only once the
// topic has read the log (ResumeOutcome::kPending), and the client still hears how it went in
// its first frame, before the replay and any live message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../core/fake_backplane.h"
#include "session_fixture.h"
#include "spread/core/cluster_engine.h"
#include "spread/transport/message_position.h"

namespace spread::transport {
namespace {

using ::testing::ElementsAre;

// One node: engine, broker fed by it, its publish path and a session context.
struct Node {
  Node(core::test::FakeBackplane& shared, core::ManualClock& clock, core::ManualExecutor& executor,
       Poco::Util::AbstractConfiguration& config)
      : engine(shared.node(), clock, executor, core::ClusterEngineOptions{.warmEntriesMax = 10}),
        broker(clock, executor, options(engine)),
        publisher(engine, broker, metrics, std::chrono::milliseconds(50), "chat"),
        context{broker, clock, executor, metrics, publisher, SessionOptions{}, config,
                Poco::Logger::get("session-cluster-resume-test")} {
    engine.start();
  }
  static core::BrokerOptions options(core::ClusterEngine& engine) {
    core::BrokerOptions options;
    options.topic.historySize = 10;
    options.topic.stampPosition = stampChatPosition;
    options.feeder = &engine;
    return options;
  }

  core::ClusterEngine engine;
  core::Broker broker;
  Metrics metrics;
  PublishService publisher;
  TransportContext context;
};

class SessionClusterResumeTest : public ::testing::Test {
 protected:
  struct Wire {
    std::shared_ptr<::testing::NiceMock<testing::MockConnection>> connection =
        std::make_shared<::testing::NiceMock<testing::MockConnection>>();
    std::vector<std::string> sent;
    Wire() {
      ON_CALL(*connection, send(::testing::_)).WillByDefault([this](std::span<const core::MessagePtr> batch) {
        for (const auto& message : batch) sent.push_back(message->bytes());
      });
      ON_CALL(*connection, sendText(::testing::_)).WillByDefault([this](std::string text) {
        sent.push_back(std::move(text));
      });
    }
  };

  std::shared_ptr<Session> open(Node& node, Wire& wire, core::SubscribeFrom from = {}) {
    auto session = Session::create(node.context, wire.connection, "chat", nullptr, from);
    session->start();
    return session;
  }
  void publish(Node& node, const std::string& msg) {
    node.publisher.publish("chat", ChatCodec::encode({"p", msg}),
                           [](PublishResult result) { ASSERT_TRUE(result.ok()) << result.error; });
    executor_.runUntilIdle();
  }
  std::string stamped(const std::string& msg, std::uint64_t offset) {
    std::string bytes = ChatCodec::encode({"p", msg});
    stampChatPosition(bytes, offset, shared_.log("chat").epoch);
    return bytes;
  }

  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  core::test::FakeBackplane shared_{executor_};
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
  Node a_{shared_, clock_, executor_, *config_};
  Node b_{shared_, clock_, executor_, *config_};
};

TEST_F(SessionClusterResumeTest, AResumeOnAnotherNodeIsAnsweredFirstOnceTheTopicHasReadTheLog) {
  Wire keeper;
  auto keeping = open(a_, keeper);
  executor_.runUntilIdle();
  publish(a_, "one");
  publish(a_, "two");
  publish(a_, "three");

  Wire resumer;
  auto resumed = open(b_, resumer, core::SubscribeFrom::after(1, shared_.log("chat").epoch));
  EXPECT_TRUE(resumer.sent.empty()) << "nothing before the topic on b has read the log";
  executor_.runUntilIdle();
  publish(a_, "four");

  const std::string hex = epochHex(shared_.log("chat").epoch);
  EXPECT_THAT(resumer.sent, ElementsAre(R"({"resume":"ok","epoch":")" + hex + R"(","offset":3,"replayed":2})",
                                        stamped("two", 2), stamped("three", 3), stamped("four", 4)));
  EXPECT_THAT(keeper.sent, ElementsAre(stamped("one", 1), stamped("two", 2), stamped("three", 3), stamped("four", 4)));
}

TEST_F(SessionClusterResumeTest, PublishingWhileTheBackplaneIsDownAnswers503NamingTheCause) {
  executor_.runUntilIdle();
  shared_.setUp(false);
  executor_.runUntilIdle();
  std::optional<PublishResult> answer;
  a_.publisher.publish("chat", ChatCodec::encode({"p", "lost?"}), [&answer](PublishResult r) { answer = r; });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->httpStatus(), 503);
  EXPECT_EQ(answer->error,
            "the server cannot reach the other nodes: fake: down; nothing was published, try again shortly");
  EXPECT_EQ(shared_.appends, 0u);
}

}  // namespace
}  // namespace spread::transport
