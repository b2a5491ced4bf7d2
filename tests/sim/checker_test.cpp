// Proves each invariant of the Checker fires on a deliberately broken event sequence
// (a lost, duplicated or late message, an overfull queue, an unjustified drop, a double
// close, a late shutdown, a bad frame answered with the wrong close) and stays quiet on
// the correct sequence next to it.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "checker.h"

namespace spread::sim {
namespace {

using plugins::sim::ClosedBy;
using plugins::sim::ConnectionEnd;
using transport::CloseCode;

constexpr ConnectionId kConn = 1;

core::MessagePtr message(std::uint64_t sequence) {
  return std::make_shared<const core::Message>(sequence, core::TimePoint{},
                                               core::Payload::raw("m" + std::to_string(sequence)));
}

class CheckerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    checker_.connected(kConn, "chat", Checker::QueueBound{2, 1024});
    checker_.subscribed(kConn, 0);
  }
  // A message the topic accepted and the queue took.
  void publishAndQueue(std::uint64_t sequence) {
    checker_.accepted("chat", sequence, message(sequence)->bytes());
    checker_.offered(kConn, message(sequence), core::Delivery::kAccepted);
  }
  void sendAndRead(std::uint64_t sequence) {
    checker_.sent(kConn, message(sequence));
    checker_.read(kConn, message(sequence));
  }
  std::string broken() const { return checker_.violation() ? checker_.violation()->invariant : "none"; }

  Checker checker_;
};

TEST_F(CheckerTest, CleanRunBreaksNothing) {
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    publishAndQueue(seq);
    sendAndRead(seq);
  }
  checker_.queueEnded(kConn, core::CloseReason::kGoingAway, 5);
  checker_.shutdownBegan(core::TimePoint{}, std::chrono::seconds(1));
  checker_.closeRequested(kConn, CloseCode::kGoingAway, "server shutting down");
  checker_.ended(kConn,
                 ConnectionEnd{ClosedBy::kServer, CloseCode::kGoingAway, "server shutting down", true});
  checker_.stopped(core::TimePoint{} + std::chrono::milliseconds(10), 0);
  checker_.finish();
  EXPECT_EQ(broken(), "none");
}

TEST_F(CheckerTest, DuplicateReadBreaksLogOrder) {
  publishAndQueue(1);
  sendAndRead(1);
  checker_.read(kConn, message(1));
  EXPECT_EQ(broken(), "log-order");
}

TEST_F(CheckerTest, ReadOfAMessageNotInTheLogBreaksLogOrder) {
  publishAndQueue(1);
  checker_.sent(kConn, message(1));
  checker_.read(kConn,
                std::make_shared<const core::Message>(1, core::TimePoint{}, core::Payload::raw("forged")));
  EXPECT_EQ(broken(), "log-order");
}

TEST_F(CheckerTest, ASequenceRepeatedWithoutANewTopicBreaksLogOrder) {
  publishAndQueue(1);
  checker_.accepted("chat", 1, "again");
  EXPECT_EQ(broken(), "log-order");
}

TEST_F(CheckerTest, ATopicMadeAgainStartsANewLogWhileOldReadersKeepTheirs) {
  publishAndQueue(1);
  checker_.sent(kConn, message(1));
  // The topic was freed and a new one took its name: its log starts again at 1.
  constexpr ConnectionId kLater = 2;
  checker_.topicCreated("chat");
  checker_.connected(kLater, "chat", Checker::QueueBound{2, 1024});
  checker_.subscribed(kLater, 0);
  const auto fresh = std::make_shared<const core::Message>(1, core::TimePoint{}, core::Payload::raw("new"));
  checker_.accepted("chat", 1, "new");
  checker_.offered(kLater, fresh, core::Delivery::kAccepted);
  checker_.sent(kLater, fresh);
  checker_.read(kLater, fresh);
  checker_.read(kConn, message(1));  // a straggler from the old topic reads the old log's entry
  EXPECT_EQ(broken(), "none");
  checker_.read(kLater, message(1));  // the old topic's entry is not in the new log
  EXPECT_EQ(broken(), "log-order");
}

TEST_F(CheckerTest, MessageLostOnTheLinkBreaksNoLoss) {
  publishAndQueue(1);
  publishAndQueue(2);
  checker_.sent(kConn, message(1));
  checker_.sent(kConn, message(2));
  checker_.read(kConn, message(2));  // 1 never arrived
  EXPECT_EQ(broken(), "no-loss");
}

TEST_F(CheckerTest, FanOutSkippingAMessageBreaksNoLoss) {
  checker_.accepted("chat", 1, message(1)->bytes());
  publishAndQueue(2);
  checker_.offered(kConn, message(1), core::Delivery::kAccepted);  // out of order
  EXPECT_EQ(broken(), "no-loss");
}

TEST_F(CheckerTest, TopicClosingWithMessagesNotOfferedBreaksNoLoss) {
  publishAndQueue(1);
  checker_.accepted("chat", 2, message(2)->bytes());
  checker_.queueEnded(kConn, core::CloseReason::kGoingAway, 2);  // 2 was never offered
  EXPECT_EQ(broken(), "no-loss");
}

TEST_F(CheckerTest, SendAfterCloseBreaksAfterEnd) {
  publishAndQueue(1);
  // A close whose kind justifies leaving the message unsent, so only the send is wrong.
  checker_.closeRequested(kConn, CloseCode::kPolicyViolation, "publish rate exceeded");
  checker_.sent(kConn, message(1));
  EXPECT_EQ(broken(), "after-end");
}

TEST_F(CheckerTest, ReadAfterEndBreaksAfterEnd) {
  publishAndQueue(1);
  checker_.sent(kConn, message(1));
  checker_.ended(kConn, ConnectionEnd{ClosedBy::kClient, CloseCode::kNormal, "client left", false});
  checker_.read(kConn, message(1));
  EXPECT_EQ(broken(), "after-end");
}

TEST_F(CheckerTest, OfferAfterUnsubscribeBreaksAfterEnd) {
  checker_.queueEnded(kConn, core::CloseReason::kUnsubscribed, 0);
  publishAndQueue(1);
  EXPECT_EQ(broken(), "after-end");
}

TEST_F(CheckerTest, QueueOverItsBoundBreaksQueueBound) {
  publishAndQueue(1);
  publishAndQueue(2);
  EXPECT_EQ(broken(), "none");
  publishAndQueue(3);  // the bound is 2
  EXPECT_EQ(broken(), "queue-bound");
}

TEST_F(CheckerTest, OverfullReceiveWindowBreaksQueueBound) {
  checker_.link(kConn, plugins::sim::LinkState{true, false, 512, 512});
  EXPECT_EQ(broken(), "none");
  checker_.link(kConn, plugins::sim::LinkState{true, false, 600, 512});
  EXPECT_EQ(broken(), "queue-bound");
}

TEST_F(CheckerTest, AWireViolationBreaksWire) {
  publishAndQueue(1);
  EXPECT_EQ(broken(), "none");
  checker_.wireViolation(kConn, "a masked server frame (RFC 6455 5.1 forbids it)");
  EXPECT_EQ(broken(), "wire");
}

TEST_F(CheckerTest, RefusalBelowTheBoundBreaksDropJustified) {
  publishAndQueue(1);
  checker_.accepted("chat", 2, message(2)->bytes());
  checker_.offered(kConn, message(2), core::Delivery::kFull);  // only 1 of 2 queued
  EXPECT_EQ(broken(), "drop-justified");
}

TEST_F(CheckerTest, RefusalAtTheBoundIsJustified) {
  publishAndQueue(1);
  publishAndQueue(2);
  checker_.accepted("chat", 3, message(3)->bytes());
  checker_.offered(kConn, message(3), core::Delivery::kFull);
  checker_.closeRequested(kConn, CloseCode::kPolicyViolation, "too slow to keep up");
  EXPECT_EQ(broken(), "none");
}

TEST_F(CheckerTest, SlowConsumerCloseWithoutRefusalBreaksDropJustified) {
  checker_.closeRequested(kConn, CloseCode::kPolicyViolation, "too slow to keep up");
  EXPECT_EQ(broken(), "drop-justified");
}

TEST_F(CheckerTest, SecondEndBreaksCloseOnce) {
  checker_.ended(kConn,
                 ConnectionEnd{ClosedBy::kServer, CloseCode::kPolicyViolation, "too slow to keep up", true});
  EXPECT_EQ(broken(), "none");
  checker_.ended(kConn, ConnectionEnd{ClosedBy::kClient, CloseCode::kNormal, "client left", false});
  EXPECT_EQ(broken(), "close-once");
}

TEST_F(CheckerTest, ConnectionThatNeverEndsBreaksCloseOnce) {
  checker_.finish();
  EXPECT_EQ(broken(), "close-once");
}

TEST_F(CheckerTest, MetricsCountingAnOpenConnectionBreakCloseOnce) {
  checker_.ended(kConn, ConnectionEnd{ClosedBy::kClient, CloseCode::kNormal, "client left", false});
  checker_.finish(1);
  EXPECT_EQ(broken(), "close-once");
}

TEST_F(CheckerTest, CloseWithoutReasonBreaksCloseOnce) {
  checker_.closeRequested(kConn, CloseCode::kGoingAway, "");
  EXPECT_EQ(broken(), "close-once");
}

TEST_F(CheckerTest, EscapedExceptionBreaksNoException) {
  checker_.escapedExceptions(0);
  EXPECT_EQ(broken(), "none");
  checker_.escapedExceptions(1);
  EXPECT_EQ(broken(), "no-exception");
}

TEST_F(CheckerTest, ARefusedTaskBreaksNoRefusedTask) {
  checker_.refusedTasks(0);
  EXPECT_EQ(broken(), "none");
  checker_.refusedTasks(1);
  EXPECT_EQ(broken(), "no-refused-task");
}

TEST_F(CheckerTest, ASlowDropClosedWithAnythingBut1008BreaksDropJustified) {
  publishAndQueue(1);
  publishAndQueue(2);
  checker_.accepted("chat", 3, message(3)->bytes());
  checker_.offered(kConn, message(3), core::Delivery::kFull);  // two of two: a just refusal
  checker_.queueEnded(kConn, core::CloseReason::kSlowConsumer, 3);
  EXPECT_EQ(broken(), "none");
  checker_.closeRequested(kConn, CloseCode::kGoingAway, "server shutting down");
  EXPECT_EQ(broken(), "drop-justified");
}

TEST_F(CheckerTest, ASlowDropClosedWith1008TooSlowIsClean) {
  publishAndQueue(1);
  publishAndQueue(2);
  checker_.accepted("chat", 3, message(3)->bytes());
  checker_.offered(kConn, message(3), core::Delivery::kFull);
  checker_.queueEnded(kConn, core::CloseReason::kSlowConsumer, 3);
  checker_.closeRequested(kConn, CloseCode::kPolicyViolation, "too slow to keep up");
  EXPECT_EQ(broken(), "none");
}

TEST_F(CheckerTest, AServerCloseWithMessagesStillQueuedBreaksNoLoss) {
  checker_.connected(2, "chat", Checker::QueueBound{8, 1024});
  checker_.subscribed(2, 0);
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    checker_.accepted("chat", seq, message(seq)->bytes());
    checker_.offered(2, message(seq), core::Delivery::kAccepted);
  }
  checker_.sent(2, message(1));
  checker_.shutdownBegan(core::TimePoint{}, std::chrono::seconds(1));
  checker_.closeRequested(2, CloseCode::kGoingAway, "server shutting down", core::TimePoint{});
  EXPECT_EQ(broken(), "no-loss");
}

TEST_F(CheckerTest, AServerCloseWhoseKindJustifiesTheLossIsClean) {
  checker_.shutdownBegan(core::TimePoint{}, std::chrono::seconds(1));
  const core::TimePoint before = core::TimePoint{} + std::chrono::milliseconds(500);
  const core::TimePoint deadline = core::TimePoint{} + std::chrono::seconds(1);
  const std::vector<std::tuple<CloseCode, std::string, core::TimePoint>> justified = {
      {CloseCode::kGoingAway, "idle timeout", before},
      {CloseCode::kPolicyViolation, "publish rate exceeded", before},
      {CloseCode::kMessageTooBig, "message too big", before},
      {CloseCode::kGoingAway, "server shutting down", deadline},  // the grace ran out
  };
  ConnectionId id = 10;
  std::uint64_t sequence = 0;
  for (const auto& [code, reason, at] : justified) {
    checker_.connected(id, "chat", Checker::QueueBound{8, 1024});
    checker_.subscribed(id, sequence);
    ++sequence;
    checker_.accepted("chat", sequence, message(sequence)->bytes());
    checker_.offered(id, message(sequence), core::Delivery::kAccepted);
    checker_.closeRequested(id, code, reason, at);
    ++id;
  }
  EXPECT_EQ(broken(), "none") << checker_.violation()->detail;
}

TEST_F(CheckerTest, ASubscriberTheTopicStoppedOfferingToBreaksNoLossWhenItLeaves) {
  checker_.connected(2, "chat", Checker::QueueBound{8, 1024});
  checker_.subscribed(2, 0);
  publishAndQueue(1);
  checker_.offered(2, message(1), core::Delivery::kAccepted);
  publishAndQueue(2);  // offered to kConn only: the topic skipped connection 2
  checker_.queueEnded(2, core::CloseReason::kUnsubscribed, 2);
  EXPECT_EQ(broken(), "no-loss");
}

TEST_F(CheckerTest, ASubscriberThatLeavesHavingBeenOfferedEverythingIsClean) {
  checker_.connected(2, "chat", Checker::QueueBound{8, 1024});
  checker_.subscribed(2, 0);
  publishAndQueue(1);
  checker_.offered(2, message(1), core::Delivery::kAccepted);
  checker_.accepted("chat", 2, message(2)->bytes());  // accepted, not fanned out yet: not owed
  checker_.queueEnded(2, core::CloseReason::kUnsubscribed, 2);
  EXPECT_EQ(broken(), "none");
}

TEST_F(CheckerTest, OfferingAMessageAcceptedBeforeTheSubscriptionBreaksNewSubscription) {
  publishAndQueue(1);
  publishAndQueue(2);
  checker_.connected(2, "chat", Checker::QueueBound{8, 1024});
  checker_.subscribed(2, 2);
  checker_.offered(2, message(2), core::Delivery::kAccepted);  // accepted before it subscribed
  EXPECT_EQ(broken(), "new-subscription");
}

TEST_F(CheckerTest, ANewSubscriptionOfferedOnlyLaterMessagesIsClean) {
  publishAndQueue(1);
  checker_.connected(2, "chat", Checker::QueueBound{8, 1024});
  checker_.subscribed(2, 1);
  checker_.accepted("chat", 2, message(2)->bytes());
  checker_.offered(kConn, message(2), core::Delivery::kAccepted);
  checker_.offered(2, message(2), core::Delivery::kAccepted);
  EXPECT_EQ(broken(), "none");
}

TEST_F(CheckerTest, APublishAcceptedAfterALaterOneOfTheSamePublisherBreaksPublisherOrder) {
  checker_.published("ann over HTTP", "chat", "first");
  checker_.published("ann over HTTP", "chat", "second");
  checker_.accepted("chat", 1, "second");
  EXPECT_EQ(broken(), "none");
  checker_.accepted("chat", 2, "first");
  EXPECT_EQ(broken(), "publisher-order");
}

TEST_F(CheckerTest, PublishersInterleavingAndRefusalsKeepPublisherOrder) {
  checker_.published("ann over HTTP", "chat", "a1");
  checker_.published("bob over HTTP", "chat", "b1");
  checker_.published("ann over HTTP", "chat", "refused");  // never accepted
  checker_.published("ann over HTTP", "chat", "a3");
  checker_.published("ann over HTTP", "other", "elsewhere");
  checker_.accepted("other", 1, "elsewhere");  // another topic: its own order
  checker_.accepted("chat", 1, "b1");
  checker_.accepted("chat", 2, "a1");
  checker_.accepted("chat", 3, "a3");
  EXPECT_EQ(broken(), "none");
}

TEST_F(CheckerTest, StopAfterGraceBreaksShutdownGrace) {
  checker_.shutdownBegan(core::TimePoint{}, std::chrono::milliseconds(100));
  checker_.stopped(core::TimePoint{} + std::chrono::milliseconds(101), 0);
  EXPECT_EQ(broken(), "shutdown-grace");
}

TEST_F(CheckerTest, StopWithConnectionsOpenBreaksShutdownGrace) {
  checker_.shutdownBegan(core::TimePoint{}, std::chrono::milliseconds(100));
  checker_.stopped(core::TimePoint{} + std::chrono::milliseconds(100), 1);
  EXPECT_EQ(broken(), "shutdown-grace");
}

// protocol-close: byte-level streams, on a checker of their own (no connection to end).
class ProtocolCloseTest : public ::testing::Test {
 protected:
  static constexpr int kStream = 7;
  const RequiredClose badText_{1007, "a text frame that is not UTF-8"};
  std::string broken() const { return checker_.violation() ? checker_.violation()->invariant : "none"; }
  Checker checker_;
};

TEST_F(ProtocolCloseTest, TheRequiredCloseAndAnEndAreClean) {
  checker_.mustClose(kStream, badText_);
  checker_.streamEnded(kStream, ServerClose{1007, "text is not valid UTF-8"}, false);
  checker_.finish();
  EXPECT_EQ(broken(), "none");
}

TEST_F(ProtocolCloseTest, AnotherProtocolCodeBreaksIt) {
  checker_.mustClose(kStream, badText_);
  checker_.streamEnded(kStream, ServerClose{1002, "unknown opcode 3"}, false);
  EXPECT_EQ(broken(), "protocol-close");
}

TEST_F(ProtocolCloseTest, AGoodbyeOfTheServersOwnIsExcusedUnlessItReadPastTheFrame) {
  // A shutdown may have closed the connection before the frame was read: nothing shows it was not.
  checker_.mustClose(kStream, badText_);
  checker_.streamEnded(kStream, ServerClose{1001, "server shutting down"}, false);
  EXPECT_EQ(broken(), "none");
  // The server answered a ping sent after the frame, so it read the frame and went on.
  checker_.mustClose(kStream + 1, badText_);
  checker_.streamEnded(kStream + 1, ServerClose{1001, "server shutting down"}, true);
  EXPECT_EQ(broken(), "protocol-close");
}

TEST_F(ProtocolCloseTest, AnEndWithoutACloseFrameAfterReadingPastTheFrameBreaksIt) {
  checker_.mustClose(kStream, badText_);
  checker_.streamEnded(kStream, std::nullopt, true);
  EXPECT_EQ(broken(), "protocol-close");
}

TEST_F(ProtocolCloseTest, AStreamThatNeverEndsBreaksItAtFinish) {
  checker_.mustClose(kStream, badText_);
  EXPECT_EQ(broken(), "none");
  checker_.finish();
  EXPECT_EQ(broken(), "protocol-close");
}

TEST_F(ProtocolCloseTest, AStreamWhoseFramesRequireNoCloseIsNotJudged) {
  checker_.streamEnded(kStream, ServerClose{1002, "unknown opcode 3"}, true);
  checker_.finish();
  EXPECT_EQ(broken(), "none");
}

}  // namespace
}  // namespace spread::sim
