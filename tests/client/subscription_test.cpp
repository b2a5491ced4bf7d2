// Subscription against the real spreadd: it reconnects after the daemon restarts on the same
// port and receives again, telling its event handler disconnected (1001) then connected;
// close() ends its thread promptly whether connected or waiting to retry; an upgrade the
// server refuses for good stops the retries; pings are answered, so an idle subscription
// stays up; a frame over frameBytesMax ends the connection with 1009, and it reconnects.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "event_recorder.h"
#include "running_spreadd.h"
#include "spread/client/publisher.h"
#include "spread/client/subscription.h"

namespace spread::client {
namespace {

using ::testing::HasSubstr;
using testing::EventRecorder;
using testing::RunningSpreadd;
using Kind = SubscriptionEvent::Kind;
using Clock = std::chrono::steady_clock;

// close() must end the thread within about stopCheckInterval (100 ms); this leaves room for a
// loaded two-core machine without letting a thread that ignores stop pass.
constexpr auto kCloseDeadline = std::chrono::milliseconds(1000);

SubscriptionOptions subscribeTo(std::uint16_t port) {
  SubscriptionOptions options;
  options.port = port;
  options.backoffInitial = std::chrono::milliseconds(20);
  options.backoffMax = std::chrono::milliseconds(200);
  options.jitterSeed = 7;
  return options;
}

TEST(SubscriptionTest, ReconnectsAfterTheDaemonRestartsAndReceivesAgain) {
  RunningSpreadd daemon;
  ASSERT_TRUE(daemon.start());
  EventRecorder recorder;
  Subscription subscription(subscribeTo(daemon.port()), recorder.messageHandler(), recorder.eventHandler());
  Publisher publisher(daemon.publisherOptions());
  const auto firstConnect = recorder.awaitEvent(Kind::kConnected);
  ASSERT_TRUE(firstConnect);
  ASSERT_TRUE(publisher.publish("ann", "before").ok());
  ASSERT_TRUE(recorder.awaitMessages(1));

  ASSERT_TRUE(daemon.stop());
  const auto dropped = recorder.awaitEvent(Kind::kDisconnected, *firstConnect);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(recorder.events()[*dropped].closeCode, 1001);
  EXPECT_EQ(recorder.events()[*dropped].reason, "server shutting down");
  ASSERT_TRUE(recorder.awaitEvent(Kind::kRetrying, *dropped));
  // Nobody listens now: the publisher says so instead of throwing.
  const PublishResult unanswered = publisher.publish("ann", "while down");
  EXPECT_FALSE(unanswered.answered());
  EXPECT_FALSE(unanswered.error.empty());

  ASSERT_TRUE(daemon.start());
  const auto secondConnect = recorder.awaitEvent(Kind::kConnected, *dropped);
  ASSERT_TRUE(secondConnect);
  const PublishResult after = publisher.publish("ann", "after");
  ASSERT_TRUE(after.ok()) << after.status << " " << after.error;
  ASSERT_TRUE(recorder.awaitMessages(2));
  EXPECT_EQ(recorder.messages()[1].msg, "after");
  for (std::size_t i = *dropped + 1; i < *secondConnect; ++i) {
    EXPECT_THAT(recorder.events()[i].kind, ::testing::AnyOf(Kind::kRetrying, Kind::kConnectFailed));
    if (recorder.events()[i].kind == Kind::kRetrying) {
      EXPECT_LE(recorder.events()[i].retryIn, std::chrono::milliseconds(200));
    }
  }
}

TEST(SubscriptionTest, CloseEndsAConnectedSubscriptionPromptly) {
  RunningSpreadd daemon;
  ASSERT_TRUE(daemon.start());
  EventRecorder recorder;
  Subscription subscription(subscribeTo(daemon.port()), recorder.messageHandler(), recorder.eventHandler());
  ASSERT_TRUE(recorder.awaitEvent(Kind::kConnected));

  const auto start = Clock::now();
  subscription.close();
  EXPECT_LT(Clock::now() - start, kCloseDeadline);
  const std::size_t seen = recorder.events().size();
  subscription.close();  // twice is harmless
  Publisher publisher(daemon.publisherOptions());
  ASSERT_TRUE(publisher.publish("ann", "nobody hears this").ok());
  EXPECT_EQ(recorder.events().size(), seen);
  EXPECT_TRUE(recorder.messages().empty());
}

TEST(SubscriptionTest, CloseEndsASubscriptionWaitingToRetryPromptly) {
  RunningSpreadd daemon;
  ASSERT_TRUE(daemon.start());
  ASSERT_TRUE(daemon.stop());  // its port is now one nobody listens on
  EventRecorder recorder;
  SubscriptionOptions options = subscribeTo(daemon.port());
  options.backoffInitial = std::chrono::seconds(60);
  options.backoffMax = std::chrono::seconds(60);
  Subscription subscription(options, recorder.messageHandler(), recorder.eventHandler());
  const auto retrying = recorder.awaitEvent(Kind::kRetrying);
  ASSERT_TRUE(retrying);
  EXPECT_GE(recorder.events()[*retrying].retryIn, std::chrono::seconds(30));
  EXPECT_EQ(recorder.events().at(0).kind, Kind::kConnectFailed);
  EXPECT_EQ(recorder.events().at(0).httpStatus, 0);

  const auto start = Clock::now();
  subscription.close();
  EXPECT_LT(Clock::now() - start, kCloseDeadline);
}

TEST(SubscriptionTest, AnUpgradeRefusedForGoodStopsTheRetries) {
  RunningSpreadd daemon;
  ASSERT_TRUE(daemon.start());
  EventRecorder recorder;
  SubscriptionOptions options = subscribeTo(daemon.port());
  options.topic = "-not a topic";
  Subscription subscription(options, recorder.messageHandler(), recorder.eventHandler());
  const auto stopped = recorder.awaitEvent(Kind::kStopped);
  ASSERT_TRUE(stopped);
  const auto events = recorder.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kConnectFailed);
  EXPECT_EQ(events[0].httpStatus, 400);
  EXPECT_EQ(events[1].httpStatus, 400);
  EXPECT_THAT(events[1].reason, HasSubstr("400"));
}

TEST(SubscriptionTest, PongsKeepAnIdleSubscriptionOpenPastTheServersIdleTimeout) {
  RunningSpreadd daemon({"session.pingIntervalMs = 100", "session.idleTimeoutMs = 500"});
  ASSERT_TRUE(daemon.start());
  EventRecorder recorder;
  Subscription subscription(subscribeTo(daemon.port()), recorder.messageHandler(), recorder.eventHandler());
  ASSERT_TRUE(recorder.awaitEvent(Kind::kConnected));
  // A client that did not answer would be closed 1001 "idle timeout" after 500 ms; this waits
  // three times that for the close that must not come.
  const auto dropped = recorder.awaitEvent(Kind::kDisconnected, 0, std::chrono::milliseconds(1500));
  EXPECT_FALSE(dropped) << "closed " << recorder.events()[dropped.value_or(0)].closeCode << " "
                        << recorder.events()[dropped.value_or(0)].reason;
  Publisher publisher(daemon.publisherOptions());
  ASSERT_TRUE(publisher.publish("ann", "still subscribed").ok());
  ASSERT_TRUE(recorder.awaitMessages(1));
}

TEST(SubscriptionTest, AFrameOverTheLimitEndsTheConnectionWith1009AndItReconnects) {
  RunningSpreadd daemon;
  ASSERT_TRUE(daemon.start());
  EventRecorder recorder;
  SubscriptionOptions options = subscribeTo(daemon.port());
  options.frameBytesMax = 100;
  Subscription subscription(options, recorder.messageHandler(), recorder.eventHandler());
  const auto connected = recorder.awaitEvent(Kind::kConnected);
  ASSERT_TRUE(connected);
  Publisher publisher(daemon.publisherOptions());
  ASSERT_TRUE(publisher.publish("ann", std::string(200, 'x')).ok());
  const auto dropped = recorder.awaitEvent(Kind::kDisconnected, *connected);
  ASSERT_TRUE(dropped);
  EXPECT_EQ(recorder.events()[*dropped].closeCode, 1009);
  ASSERT_TRUE(recorder.awaitEvent(Kind::kConnected, *dropped));
  ASSERT_TRUE(publisher.publish("ann", "short").ok());
  ASSERT_TRUE(recorder.awaitMessages(1));
  EXPECT_EQ(recorder.messages()[0].msg, "short");
}

TEST(SubscriptionTest, UnusableOptionsAreRefusedByName) {
  auto ignore = [](const Message&) {};
  SubscriptionOptions backwards;
  backwards.backoffMax = std::chrono::milliseconds(10);
  try {
    Subscription subscription(backwards, ignore);
    FAIL() << "a backoffMax below backoffInitial was taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("SubscriptionOptions.backoffMax"));
  }
  EXPECT_THROW(Subscription(SubscriptionOptions{}, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace spread::client
