// Proves the bounds a session keeps on what one client can make it hold, against a mocked
// Connection on virtual time: publish rates (the session's own and the connection's),
// publishes waiting for room, unread error replies, and a pump that stops at the window.
#include "session_fixture.h"
#include "spread/testing/mock_subscriber.h"

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

// Nothing runs on the executor until the test says so, so nothing is fanned out: after the
// topic's 8 inbound places and the session's few publishes waiting for room, the client's
// publishes are held by the session.
constexpr int kInbound = 8;
constexpr int kHeldBeyondTheWaiting = 6;
constexpr int kSentInABurst = kInbound + static_cast<int>(Session::kPublishesWaitingMax) + kHeldBeyondTheWaiting;

TEST_F(SessionLimitsTest, PublishesBehindTheWaitingFewAreHeldWithReadingHeldThenAllGoInInOrder) {
  context_.session.queue = core::QueueLimits{64, 1 << 16};  // room for the whole burst coming back
  FakeWire wire;
  auto session = openWith(wire);
  {
    ::testing::InSequence inOrder;
    EXPECT_CALL(*wire.connection, holdReading(true)).Times(1);
    EXPECT_CALL(*wire.connection, holdReading(false)).Times(1);
  }
  EXPECT_CALL(*wire.connection, sendText(_)).Times(0);
  for (int i = 0; i < kSentInABurst; ++i) session->onText(chat("ann", std::to_string(i)));
  EXPECT_EQ(broker_.find("chat")->stats().waitingPublishes, Session::kPublishesWaitingMax);

  executor_.runUntilIdle();
  ASSERT_EQ(wire.sent.size(), static_cast<std::size_t>(kSentInABurst)) << "every publish went in";
  for (int i = 0; i < kSentInABurst; ++i) EXPECT_EQ(wire.sent[i], chat("ann", std::to_string(i)));
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kBusy), 0u);
}

TEST_F(SessionLimitsTest, AHeldPublishWaitsOnlyWhatIsLeftOfItsWaitFromWhenItArrived) {
  context_.session.queue = core::QueueLimits{64, 1 << 16};
  FakeWire wire;
  std::vector<std::string> errors;
  ON_CALL(*wire.connection, sendText(_)).WillByDefault([&errors](std::string text) { errors.push_back(text); });
  auto session = openWith(wire);
  // Twice the topic's room is held: once the waiting few go in, the held ones find the
  // topic full again, and their wait (50 ms from arrival) is already spent.
  constexpr int kBurst = kInbound + static_cast<int>(Session::kPublishesWaitingMax) + 2 * kInbound;
  for (int i = 0; i < kBurst; ++i) session->onText(chat("ann", std::to_string(i)));
  clock_.advanceBy(60ms);
  executor_.runUntilIdle();

  ASSERT_FALSE(errors.empty()) << "a publish held past its wait should have been refused";
  for (const std::string& error : errors) EXPECT_THAT(error, HasSubstr("busy"));
  EXPECT_EQ(wire.sent.size() + errors.size(), static_cast<std::size_t>(kBurst)) << "each went in or was refused";
  // What went in is in the order it was sent.
  std::size_t next = 0;
  for (const std::string& sent : wire.sent) {
    while (next < kBurst && chat("ann", std::to_string(next)) != sent) ++next;
    ASSERT_LT(next, static_cast<std::size_t>(kBurst)) << "out of order: " << sent;
  }
}

TEST_F(SessionLimitsTest, HeldPublishesAreBoundedAndThoseBeyondAreRefused) {
  FakeWire wire;
  auto session = openWith(wire);
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("waiting for room"))).Times(1);
  for (int i = 0; i < kInbound + static_cast<int>(Session::kPublishesWaitingMax); ++i) {
    session->onText(chat("ann", std::to_string(i)));
  }
  // Large texts fill the session's allowance for held publishes; the one past it is refused.
  const std::string large = chat("ann", std::string(100 * 1024, 'x'));
  const std::size_t fit = Session::heldBytesMax(context_.session) / (large.size() + Session::kHeldPublishOverheadBytes);
  for (std::size_t i = 0; i <= fit; ++i) session->onText(large);
  EXPECT_EQ(broker_.find("chat")->stats().waitingPublishes, Session::kPublishesWaitingMax);
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kBusy), 1u);
  session->closeWith(CloseCode::kNormal, "done");  // what it holds need not come back to it
  executor_.runUntilIdle();
}

TEST_F(SessionLimitsTest, WhatAClientSentBeforeItHungUpStillReachesTheTopic) {
  context_.session.queue = core::QueueLimits{64, 1 << 16};
  FakeWire wire;
  FakeWire listenerWire;
  auto listener = openWith(listenerWire);  // keeps the topic while the sender is gone
  auto session = openWith(wire);
  for (int i = 0; i < kSentInABurst; ++i) session->onText(chat("ann", std::to_string(i)));
  session->onDisconnected();
  session.reset();  // as the connection lets go of it
  executor_.runUntilIdle();
  EXPECT_EQ(listenerWire.sent.size(), static_cast<std::size_t>(kSentInABurst));
  EXPECT_EQ(broker_.find("chat")->stats().accepted, static_cast<std::uint64_t>(kSentInABurst));
}

TEST_F(SessionLimitsTest, AClientWhoseReadingIsHeldIsNotIdleMeanwhile) {
  context_.session.queue = core::QueueLimits{256, 1 << 20};
  context_.session.publishWaitMax = 600s;  // far longer than the idle timeout (3 s)
  // A subscriber that takes a virtual second per message: the fan-out is the bottleneck,
  // and the session's pings come due many times while its client's publishes are held.
  auto slow = std::make_shared<::testing::NiceMock<testing::MockSubscriber>>();
  ON_CALL(*slow, deliver(_)).WillByDefault([this](const core::MessagePtr&) {
    clock_.advanceBy(1s);
    return core::Delivery::kAccepted;
  });
  FakeWire wire;
  std::optional<core::TimePoint> released;
  std::optional<core::TimePoint> closed;
  ON_CALL(*wire.connection, holdReading(false)).WillByDefault([&] { released = clock_.now(); });
  ON_CALL(*wire.connection, close(_, _)).WillByDefault([&] { closed = clock_.now(); });
  auto session = openWith(wire);
  ASSERT_TRUE(broker_.find("chat")->subscribe(slow).ok());
  constexpr int kBurst = 120;
  for (int i = 0; i < kBurst; ++i) session->onText(chat("ann", std::to_string(i)));
  executor_.runUntilIdle();

  ASSERT_EQ(wire.sent.size(), static_cast<std::size_t>(kBurst)) << "every publish went in";
  ASSERT_TRUE(released.has_value());
  ASSERT_TRUE(closed.has_value()) << "silent after its reading resumed, it goes idle";
  EXPECT_EQ(session->closeCode(), CloseCode::kGoingAway);
  EXPECT_GE(*closed - *released, context_.session.idleTimeout)
      << "idleness counts from when reading resumed, not from the client's last frame";
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
