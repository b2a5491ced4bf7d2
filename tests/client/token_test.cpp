// The client with auth.mode = jwt on the real spreadd (HS256 secret, tokens minted by
// spread-token): the Publisher sends its bearer token and reports a 401 as a value; a
// Subscription whose token expires is closed 1008 "token expired" and stops reconnecting
// until it is given a new token, then connects again; a token set on an open connection is
// sent to the server, which accepts or refuses it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "event_recorder.h"
#include "running_spreadd.h"
#include "spread/client/publisher.h"
#include "spread/client/subscription.h"

namespace spread::client {
namespace {

using ::testing::HasSubstr;
using testing::EventRecorder;
using testing::mintToken;
using testing::RunningSpreadd;
using Kind = SubscriptionEvent::Kind;

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.writeFile("secret", "a client test secret, long enough for HS256\n");
    ASSERT_TRUE(daemon_.start());
  }

  std::string token(const std::string& ttlSeconds, const std::string& subject = "alice") {
    return mintToken({"--config", daemon_.configPath(), "--sub", subject, "--subscribe", "*", "--publish", "*",
                      "--ttl", ttlSeconds},
                     daemon_.directory());
  }

  // Expiry is exact (no leeway), so a token of a few seconds expires on time.
  RunningSpreadd daemon_{{"auth.mode = jwt", "auth.jwt.hmacSecretFile = secret", "auth.jwt.leewayMs = 0"}};
};

TEST_F(TokenTest, ThePublisherSendsItsTokenAndReportsARefusal) {
  PublisherOptions options;
  options.port = daemon_.port();
  Publisher publisher(options);
  const PublishResult refused = publisher.publish("", "hello");
  EXPECT_EQ(refused.status, 401);
  EXPECT_FALSE(refused.error.empty());

  publisher.setToken(token("3600"));
  const PublishResult accepted = publisher.publish("", "hello");
  EXPECT_TRUE(accepted.ok()) << accepted.status << " " << accepted.error;
}

TEST_F(TokenTest, AnExpiredTokenStopsTheReconnectsUntilANewTokenIsSet) {
  EventRecorder recorder;
  SubscriptionOptions options;
  options.port = daemon_.port();
  options.token = token("2");
  options.backoffInitial = std::chrono::milliseconds(20);
  options.backoffMax = std::chrono::milliseconds(100);
  Subscription subscription(options, recorder.messageHandler(), recorder.eventHandler());
  ASSERT_TRUE(recorder.awaitEvent(Kind::kConnected));

  const auto stopped = recorder.awaitEvent(Kind::kStopped);
  ASSERT_TRUE(stopped);
  const auto events = recorder.events();
  ASSERT_EQ(*stopped, 2u) << "connected, disconnected, stopped; no retry in between";
  EXPECT_EQ(events[1].kind, Kind::kDisconnected);
  EXPECT_EQ(events[1].closeCode, 1008);
  EXPECT_EQ(events[1].reason, "token expired");
  EXPECT_THAT(events[2].reason, HasSubstr("token"));

  subscription.setToken(token("3600"));
  ASSERT_TRUE(recorder.awaitEvent(Kind::kConnected, *stopped));
  PublisherOptions publisherOptions;
  publisherOptions.port = daemon_.port();
  publisherOptions.token = token("3600");
  Publisher publisher(publisherOptions);
  ASSERT_TRUE(publisher.publish("", "welcome back").ok());
  ASSERT_TRUE(recorder.awaitMessages(1));
  EXPECT_EQ(recorder.messages()[0].name, "alice");
}

TEST_F(TokenTest, ANewTokenIsSentOnTheOpenConnection) {
  EventRecorder recorder;
  SubscriptionOptions options;
  options.port = daemon_.port();
  options.token = token("3600");
  Subscription subscription(options, recorder.messageHandler(), recorder.eventHandler());
  const auto connected = recorder.awaitEvent(Kind::kConnected);
  ASSERT_TRUE(connected);

  subscription.setToken(token("3600", "mallory"));
  const auto refused = recorder.awaitEvent(Kind::kServerError, *connected);
  ASSERT_TRUE(refused);
  EXPECT_THAT(recorder.events()[*refused].reason, HasSubstr("subject"));

  subscription.setToken(token("7200"));
  const auto accepted = recorder.awaitEvent(Kind::kTokenAccepted, *refused);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(*accepted, *refused + 1) << "still the first connection";
}

TEST_F(TokenTest, AnUpgradeWithoutATokenStopsAtOnceWith401) {
  EventRecorder recorder;
  SubscriptionOptions options;
  options.port = daemon_.port();
  Subscription subscription(options, recorder.messageHandler(), recorder.eventHandler());
  const auto stopped = recorder.awaitEvent(Kind::kStopped);
  ASSERT_TRUE(stopped);
  ASSERT_EQ(*stopped, 1u);
  EXPECT_EQ(recorder.events()[0].httpStatus, 401);
  EXPECT_EQ(recorder.events()[1].httpStatus, 401);

  subscription.setToken(token("3600"));
  EXPECT_TRUE(recorder.awaitEvent(Kind::kConnected, *stopped));
}

}  // namespace
}  // namespace spread::client
