// Proves how a Session takes part in presence, on virtual time with fake connections: it is
// listed from start() until it ends, whichever way it ends; a watcher's presence frames go
// through its bounded queue, so one that cannot take them is dropped as a slow consumer (and
// leaves); a session without events is sent nothing about the others.
#include <gtest/gtest.h>

#include "session_fixture.h"
#include "spread/transport/in_process_presence.h"

namespace spread::transport {
namespace {

using ::testing::HasSubstr;

class SessionPresenceTest : public SessionFixture {
 protected:
  SessionPresenceTest() { context_.presence = &presence_; }

  std::shared_ptr<Session> join(FakeWire& wire, std::string name, bool events) {
    auto session = Session::create(context_, wire.connection, "chat", nullptr, {}, PresenceAsk{std::move(name), events});
    session->start();
    executor_.runUntilIdle();
    return session;
  }

  InProcessPresence presence_;
};

TEST_F(SessionPresenceTest, ASessionIsListedUntilItEndsHoweverItEnds) {
  FakeWire a, b, c;
  auto closedByClient = join(a, "a", false);
  auto idle = join(b, "b", false);
  auto kicked = join(c, "c", false);
  EXPECT_EQ(presence_.listNow("chat", 10).count, 3u);

  closedByClient->onDisconnected();
  kicked->closeWith(CloseCode::kPolicyViolation, "protocol error");
  EXPECT_EQ(presence_.listNow("chat", 10).members.at(0).name, "b");
  // b never speaks: the idle timeout ends it, and its entry.
  executor_.advanceBy(4s);
  EXPECT_EQ(idle->closeCode(), CloseCode::kGoingAway);
  EXPECT_EQ(presence_.entries(), 0u);
}

TEST_F(SessionPresenceTest, AWatcherGetsFramesInItsQueueAndOneWithoutEventsGetsNothing) {
  FakeWire watcherWire, plainWire, otherWire;
  auto watcher = join(watcherWire, "w", true);
  auto plain = join(plainWire, "p", false);
  auto other = join(otherWire, "o", false);
  other->onDisconnected();
  executor_.runUntilIdle();
  ASSERT_EQ(watcherWire.sent.size(), 4u);
  EXPECT_THAT(watcherWire.sent[0], HasSubstr(R"("presence":"members")"));
  EXPECT_THAT(watcherWire.sent[1], HasSubstr(R"("presence":"join")"));
  EXPECT_THAT(watcherWire.sent[2], HasSubstr(R"("name":"o")"));
  EXPECT_THAT(watcherWire.sent[3], HasSubstr(R"({"presence":"leave")"));
  EXPECT_TRUE(plainWire.sent.empty());
}

TEST_F(SessionPresenceTest, AWatcherThatCannotTakeItsFramesIsDroppedAsASlowConsumerAndLeaves) {
  FakeWire watcherWire;
  watcherWire.queued = 4096;  // its send window is full: frames wait in its queue (4 messages)
  auto watcher = join(watcherWire, "w", true);
  std::vector<FakeWire> wires(5);
  std::vector<std::shared_ptr<Session>> others;
  for (FakeWire& wire : wires) others.push_back(join(wire, "x", false));
  executor_.runUntilIdle();
  EXPECT_EQ(watcher->closeCode(), CloseCode::kPolicyViolation);
  EXPECT_EQ(metrics_.slowConsumersDroppedCount(), 1u);
  EXPECT_EQ(presence_.listNow("chat", 10).count, 5u);
  EXPECT_TRUE(watcherWire.sent.empty());
}

}  // namespace
}  // namespace spread::transport
