// Proves the transport-agnostic session rules against a mocked Connection on virtual
// time: flow control, slow-consumer eviction (1008), flush-then-1001 on shutdown,
// keepalive and idle timeout, client publishes and their error replies; and what the
// injected faults that live in the session's path break.
#include "session_fixture.h"

namespace spread::transport {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::StrEq;

using SessionTest = SessionFixture;

TEST_F(SessionTest, AnIdleSessionIsPumpedDuringTheFanOutItself) {
  FakeWire alice, bob;
  auto a = open(alice);
  auto b = open(bob);
  publisher_.publish("chat", chat("ann", "hi"), [](PublishResult result) { ASSERT_TRUE(result.ok()); });
  // One task, the topic's fan-out, brings the message to both connections: neither
  // session needs an executor task of its own to hand it over.
  ASSERT_TRUE(executor_.runNext());
  EXPECT_THAT(alice.sent, ::testing::ElementsAre(chat("ann", "hi")));
  EXPECT_THAT(bob.sent, ::testing::ElementsAre(chat("ann", "hi")));
}

TEST_F(SessionTest, ForwardsEveryMessageInPublishOrder) {
  FakeWire wire;
  auto session = open(wire);
  publish("ann", "one");
  publish("bob", "two");
  EXPECT_THAT(wire.sent, ::testing::ElementsAre(chat("ann", "one"), chat("bob", "two")));
}

TEST_F(SessionTest, HoldsMessagesWhileTheSendWindowIsFullAndResumesWhenWritable) {
  FakeWire wire;
  auto session = open(wire);
  wire.queued = 4096;  // past the 1024-byte window
  publish("ann", "one");
  EXPECT_TRUE(wire.sent.empty());

  wire.queued = 0;
  session->onWritable();
  EXPECT_THAT(wire.sent, ::testing::ElementsAre(chat("ann", "one")));
}

TEST_F(SessionTest, AWindowTheWriterDrainedWhileTheSessionFilledItIsFilledAgainWithoutAWindowOpening) {
  FakeWire wire;
  auto session = open(wire);
  wire.queued = 4096;  // full: the three messages wait in the session's queue
  for (const char* msg : {"one", "two", "three"}) publish("ann", msg);
  ASSERT_TRUE(wire.sent.empty());

  // Nearly full: room for less than one message. While the session hands one over, the
  // writer drains what was there before, so the window never went past full and the
  // connection will report no window opening: the session must see the room itself.
  wire.queued = 1000;
  ON_CALL(*wire.connection, send(::testing::_)).WillByDefault([&wire](std::span<const core::MessagePtr> batch) {
    std::size_t bytes = 0;
    for (const auto& message : batch) {
      wire.sent.push_back(message->bytes());
      bytes += message->bytes().size();
    }
    wire.queued = bytes;
  });
  session->onWritable();
  EXPECT_THAT(wire.sent, ::testing::ElementsAre(chat("ann", "one"), chat("ann", "two"), chat("ann", "three")));
}

TEST_F(SessionTest, SlowReaderIsClosedWith1008WhileOthersReceiveEverything) {
  FakeWire stalled, keeper;
  auto slow = open(stalled);
  auto fast = open(keeper);
  stalled.queued = 4096;
  EXPECT_CALL(*stalled.connection, close(CloseCode::kPolicyViolation, StrEq("too slow to keep up"))).Times(1);
  EXPECT_CALL(*keeper.connection, close(_, _)).Times(0);

  for (int i = 0; i < 6; ++i) publish("ann", "m" + std::to_string(i));  // queue bound is 4

  EXPECT_EQ(keeper.sent.size(), 6u);
  EXPECT_TRUE(stalled.sent.empty());
  EXPECT_EQ(slow->closeCode(), CloseCode::kPolicyViolation);
  EXPECT_EQ(metrics_.slowConsumersDroppedCount(), 1u);
}

TEST_F(SessionTest, ShutdownFlushesAcceptedMessagesThenSays1001) {
  FakeWire wire;
  auto session = open(wire);
  wire.queued = 4096;
  publish("ann", "before shutdown");
  ::testing::Sequence order;
  EXPECT_CALL(*wire.connection, send(_)).InSequence(order);
  EXPECT_CALL(*wire.connection, close(CloseCode::kGoingAway, StrEq("server shutting down"))).InSequence(order);

  broker_.shutdown(5s, [](core::CloseOutcome) {});
  executor_.runUntilIdle();
  wire.queued = 0;
  session->onWritable();
  EXPECT_EQ(session->state(), Session::State::kClosing);
}

// The injected fault (core::InjectedFaults, read through the TransportContext) breaks the
// test above: the queued message is thrown away and the 1001 goes out at once.
TEST_F(SessionTest, WithTheUnflushedCloseFaultShutdownDropsWhatIsQueuedAndSays1001AtOnce) {
  core::InjectedFaults faults;
  faults.unflushedClose = true;
  context_.faults = &faults;
  FakeWire wire;
  auto session = open(wire);
  wire.queued = 4096;
  publish("ann", "before shutdown");
  EXPECT_CALL(*wire.connection, send(_)).Times(0);
  EXPECT_CALL(*wire.connection, close(CloseCode::kGoingAway, StrEq("server shutting down"))).Times(1);

  broker_.shutdown(5s, [](core::CloseOutcome) {});
  executor_.runUntilIdle();
  EXPECT_EQ(session->state(), Session::State::kClosing);
  wire.queued = 0;
  session->onWritable();
  EXPECT_TRUE(wire.sent.empty());
}

// The session's queue in the core takes its faults from the context too: with the bound
// forgotten, the stalled reader of the test two above is never dropped.
TEST_F(SessionTest, WithTheQueueForgetsBoundFaultAStalledReaderIsNeverDropped) {
  core::InjectedFaults faults;
  faults.queueForgetsBound = true;
  context_.faults = &faults;
  FakeWire stalled;
  auto slow = open(stalled);
  stalled.queued = 4096;
  EXPECT_CALL(*stalled.connection, close(_, _)).Times(0);

  for (int i = 0; i < 6; ++i) publish("ann", "m" + std::to_string(i));  // queue bound is 4

  stalled.queued = 0;
  slow->onWritable();
  EXPECT_EQ(stalled.sent.size(), 6u);
  EXPECT_EQ(metrics_.slowConsumersDroppedCount(), 0u);
}

// With the wrong-drop-code fault, the slow reader of the test above that is dropped is told
// 1001 "server shutting down", which is what the checker's drop-justified catches.
TEST_F(SessionTest, WithTheWrongDropCodeFaultASlowReaderIsClosedWith1001) {
  core::InjectedFaults faults;
  faults.wrongDropCode = true;
  context_.faults = &faults;
  FakeWire stalled;
  auto slow = open(stalled);
  stalled.queued = 4096;
  EXPECT_CALL(*stalled.connection, close(CloseCode::kGoingAway, StrEq("server shutting down"))).Times(1);

  for (int i = 0; i < 6; ++i) publish("ann", "m" + std::to_string(i));  // queue bound is 4

  EXPECT_EQ(slow->closeCode(), CloseCode::kGoingAway);
  EXPECT_EQ(metrics_.slowConsumersDroppedCount(), 1u);
}

TEST_F(SessionTest, PingsOnTheIntervalAndClosesAnIdleClient) {
  FakeWire wire;
  auto session = open(wire);
  EXPECT_CALL(*wire.connection, ping()).Times(2);
  EXPECT_CALL(*wire.connection, close(CloseCode::kGoingAway, StrEq("idle timeout"))).Times(1);
  executor_.advanceBy(2s);   // pings at 1s and 2s
  executor_.advanceBy(1s);   // 3s since last heard: idle
  EXPECT_EQ(session->closeCode(), CloseCode::kGoingAway);
}

TEST_F(SessionTest, AClientThatAnswersStaysOpen) {
  FakeWire wire;
  auto session = open(wire);
  EXPECT_CALL(*wire.connection, close(_, _)).Times(0);
  for (int second = 0; second < 10; ++second) {
    executor_.advanceBy(1s);
    session->onHeard();
  }
  EXPECT_EQ(session->state(), Session::State::kOpen);
}

TEST_F(SessionTest, ClientPublishReachesOtherSubscribers) {
  FakeWire author, reader;
  auto writing = open(author);
  auto reading = open(reader);
  writing->onText(chat("ann", "hello"));
  executor_.runUntilIdle();
  EXPECT_THAT(reader.sent, ::testing::ElementsAre(chat("ann", "hello")));
}

TEST_F(SessionTest, BadClientPublishGetsAnErrorAndTheConnectionStaysUp) {
  FakeWire wire;
  auto session = open(wire);
  EXPECT_CALL(*wire.connection, sendText(HasSubstr("\"field\":\"msg\""))).Times(1);
  EXPECT_CALL(*wire.connection, close(_, _)).Times(0);
  session->onText(R"({"name":"ann"})");
  executor_.runUntilIdle();
  EXPECT_EQ(session->state(), Session::State::kOpen);
}

TEST_F(SessionTest, DisconnectUnsubscribesAndStopsDelivery) {
  FakeWire wire;
  auto session = open(wire);
  session->onDisconnected();
  publish("ann", "after");
  EXPECT_TRUE(wire.sent.empty());
  EXPECT_EQ(broker_.find("chat")->stats().subscribers, 0u);
  EXPECT_EQ(session->state(), Session::State::kClosed);
}

TEST_F(SessionTest, TopicLimitClosesWithPolicyViolation) {
  FakeWire first, second, third;
  auto a = open(first, "one");
  auto b = open(second, "two");
  EXPECT_CALL(*third.connection, close(CloseCode::kPolicyViolation, _)).Times(1);
  auto c = open(third, "three");  // the broker holds at most two topics
  EXPECT_EQ(metrics_.rejectedCount(Rejection::kTooManyTopics), 1u);
}

TEST_F(SessionTest, JoiningDuringShutdownSaysGoingAway) {
  broker_.shutdown(1s, [](core::CloseOutcome) {});
  FakeWire wire;
  EXPECT_CALL(*wire.connection, close(CloseCode::kGoingAway, StrEq("server shutting down"))).Times(1);
  auto session = open(wire);
}

TEST_F(SessionTest, ClosesOnlyOnceWhateverEndsIt) {
  FakeWire wire;
  auto session = open(wire);
  EXPECT_CALL(*wire.connection, close(_, _)).Times(1);
  session->closeWith(CloseCode::kProtocolError, "bad frame");
  session->closeWith(CloseCode::kMessageTooBig, "too big");
  executor_.advanceBy(10s);
  broker_.shutdown(1s, [](core::CloseOutcome) {});
  executor_.runUntilIdle();
  EXPECT_EQ(session->closeCode(), CloseCode::kProtocolError);
}

}  // namespace
}  // namespace spread::transport
