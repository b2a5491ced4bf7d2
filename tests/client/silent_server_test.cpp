// The client's timeouts, against a listening socket that never answers (the kernel completes
// the TCP handshake from its backlog; nobody accepts): a publish comes back as a value saying
// no answer came, and a subscription's upgrade fails and is retried, each within its timeout.
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "event_recorder.h"
#include "spread/client/publisher.h"
#include "spread/client/subscription.h"

namespace spread::client {
namespace {

using ::testing::HasSubstr;
using testing::EventRecorder;
using Kind = SubscriptionEvent::Kind;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kTimeout{300};
// Generous for a loaded machine, far below the defaults (5 s) a timeout left unset would take.
constexpr std::chrono::milliseconds kLate{2500};

class SilentServerTest : public ::testing::Test {
 protected:
  Poco::Net::ServerSocket silent_{Poco::Net::SocketAddress("127.0.0.1", 0)};
  std::uint16_t port() const { return silent_.address().port(); }
};

TEST_F(SilentServerTest, APublishWithoutAnswerEndsAfterTheRequestTimeout) {
  PublisherOptions options;
  options.port = port();
  options.requestTimeout = kTimeout;
  Publisher publisher(options);
  const auto start = Clock::now();
  const PublishResult result = publisher.publish("ann", "hello");
  const auto took = Clock::now() - start;
  EXPECT_FALSE(result.answered());
  EXPECT_THAT(result.error, HasSubstr("no answer from 127.0.0.1:" + std::to_string(port())));
  EXPECT_GE(took, kTimeout);
  EXPECT_LT(took, kLate);
}

TEST_F(SilentServerTest, AnUnansweredUpgradeFailsAfterTheHandshakeTimeoutAndIsRetried) {
  EventRecorder recorder;
  SubscriptionOptions options;
  options.port = port();
  options.handshakeTimeout = kTimeout;
  options.backoffInitial = std::chrono::seconds(30);
  options.backoffMax = std::chrono::seconds(30);
  const auto start = Clock::now();
  Subscription subscription(options, recorder.messageHandler(), recorder.eventHandler());
  const auto retrying = recorder.awaitEvent(Kind::kRetrying);
  const auto took = Clock::now() - start;
  ASSERT_TRUE(retrying);
  ASSERT_EQ(*retrying, 1u);
  const SubscriptionEvent failed = recorder.events()[0];
  EXPECT_EQ(failed.kind, Kind::kConnectFailed);
  EXPECT_EQ(failed.httpStatus, 0);
  EXPECT_THAT(failed.reason, HasSubstr("imeout"));
  EXPECT_GE(took, kTimeout);
  EXPECT_LT(took, kLate);
}

}  // namespace
}  // namespace spread::client
