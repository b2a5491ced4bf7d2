// Proves the bounds a session keeps on what one client can make it hold, against a mocked
// Connection on virtual time: publish rates (the session's own and the connection's),
// publishes waiting for room, unread error replies, and a pump that stops at the window.
#include "session_fixture.h"

namespace spread::transport {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::StrEq;

class SessionLimitsTest : public SessionFixture {
 protected:
  std::shared_ptr<Session> openWith(FakeWire& wire) {
    auto session = Session::create(context_, wire.connection, "chat");
    session->start();
    executor_.runUntilIdle();
    return session;
  }
};

TEST_F(SessionLimitsTest, PublishingFasterThanTheConnectionsRateIsToldThenClosedWith1008) {
  context_.session.publishesPerSecond = 1;
  context_.session.publishBurst = 2;
  FakeWire wire;
  auto session = openWith(wire);
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("too many publishes on this connection")));
  EXPECT_CALL(*wire.connection, close(CloseCode::kPolicyViolation, StrEq("publish rate exceeded")));
  session->onText(chat("ann", "1"));
  session->onText(chat("ann", "2"));
  executor_.runUntilIdle();
  EXPECT_EQ(wire.sent.size(), 2u) << "both were published (and came back to this subscriber)";
  session->onText(chat("ann", "3"));  // the burst of 2 is spent, and no time has passed
  executor_.runUntilIdle();
  EXPECT_EQ(wire.sent.size(), 2u);
  EXPECT_EQ(metrics_.limitRefusalCount(Limit::kPublishesPerSecond), 1u);
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kRateLimited), 1u);
  EXPECT_EQ(session->closeCode(), CloseCode::kPolicyViolation);
}

TEST_F(SessionLimitsTest, TheRateRefillsWithTime) {
  context_.session.publishesPerSecond = 1;
  context_.session.publishBurst = 1;
  FakeWire wire;
  auto session = openWith(wire);
  EXPECT_CALL(*wire.connection, close(_, _)).Times(0);
  for (int i = 0; i < 3; ++i) {
    session->onText(chat("ann", std::to_string(i)));
    executor_.runUntilIdle();
    clock_.advanceBy(1s);
  }
  EXPECT_EQ(wire.sent.size(), 3u);
}

TEST_F(SessionLimitsTest, TheConnectionsRateRefusesLikeTheSessionsOwn) {
  FakeWire wire;
  EXPECT_CALL(*wire.connection, admitPublish())
      .WillOnce(::testing::Return(std::nullopt))
      .WillOnce(::testing::Return(core::Duration(500ms)));
  auto session = openWith(wire);
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("too many publishes from this address")));
  EXPECT_CALL(*wire.connection, close(CloseCode::kPolicyViolation, StrEq("publish rate exceeded")));
  session->onText(chat("ann", "1"));
  executor_.runUntilIdle();
  session->onText(chat("ann", "2"));
  executor_.runUntilIdle();
  EXPECT_EQ(wire.sent.size(), 1u);
  EXPECT_EQ(metrics_.limitRefusalCount(Limit::kAddressPublishesPerSecond), 1u);
}

TEST_F(SessionLimitsTest, AnErrorReplyToAClientThatIsNotReadingEndsTheSessionInstead) {
  FakeWire wire;
  auto session = openWith(wire);
  wire.queued = context_.session.sendWindowBytes;  // a window's worth it has not read
  EXPECT_CALL(*wire.connection, sendText(_)).Times(0);
  EXPECT_CALL(*wire.connection, close(CloseCode::kPolicyViolation, StrEq("too many unread replies")));
  session->onText("not json");
  executor_.runUntilIdle();
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kUnreadReplies), 1u);
  EXPECT_EQ(metrics_.limitRefusalCount(Limit::kSendWindow), 1u);
}

TEST_F(SessionLimitsTest, AReadingClientGetsItsErrorReplies) {
  FakeWire wire;
  auto session = openWith(wire);
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("\"error\":"))).Times(3);
  EXPECT_CALL(*wire.connection, close(_, _)).Times(0);
  for (int i = 0; i < 3; ++i) session->onText("not json");
  executor_.runUntilIdle();
}

TEST_F(SessionLimitsTest, OnlyAFewPublishesMayWaitForRoomAtOnce) {
  FakeWire wire;
  auto session = openWith(wire);
  // Nothing runs on the executor, so nothing is fanned out: after the topic's 8 inbound
  // places, each publish waits for room, and past the session's allowance it is refused.
  constexpr int kInbound = 8;
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("waiting for room"))).Times(1);
  for (int i = 0; i < kInbound + static_cast<int>(Session::kPublishesWaitingMax) + 1; ++i) {
    session->onText(chat("ann", std::to_string(i)));
  }
  EXPECT_EQ(broker_.find("chat")->stats().waitingPublishes, Session::kPublishesWaitingMax);
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kBusy), 1u);
  executor_.runUntilIdle();
}

TEST_F(SessionLimitsTest, ThePumpHandsOverNoMoreThanTheWindowPlusOneMessage) {
  FakeWire wire;
  ON_CALL(*wire.connection, send(_)).WillByDefault([&wire](std::span<const core::MessagePtr> batch) {
    for (const auto& message : batch) {
      wire.sent.push_back(message->bytes());
      wire.queued += message->bytes().size();
    }
  });
  auto session = openWith(wire);
  const std::string big(600, 'x');  // two of these pass the 1024-byte window
  wire.queued = context_.session.sendWindowBytes;  // full: the four wait in the session's queue
  for (int i = 0; i < 4; ++i) {
    publisher_.publish("chat", chat("ann", big), [](PublishResult result) { ASSERT_TRUE(result.ok()); });
  }
  executor_.runUntilIdle();
  ASSERT_TRUE(wire.sent.empty());

  wire.queued = 0;  // the client read everything: one pump may move all four, but must not
  session->onWritable();
  EXPECT_EQ(wire.sent.size(), 2u);
  EXPECT_LE(wire.queued, context_.session.sendWindowBytes + chat("ann", big).size());

  wire.queued = 0;
  session->onWritable();
  EXPECT_EQ(wire.sent.size(), 4u);
}

}  // namespace
}  // namespace spread::transport
