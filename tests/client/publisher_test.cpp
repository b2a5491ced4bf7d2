// Publisher against the real spreadd: a message goes round to a Subscription; many publishes
// share one kept-alive connection (the server's per-connection publish budget runs out, which
// a connection per publish would never see); refusals come back as values carrying the status,
// the server's reason and Retry-After; a connection the server closed is replaced unnoticed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "event_recorder.h"
#include "running_spreadd.h"
#include "spread/client/publisher.h"
#include "spread/client/subscription.h"

namespace spread::client {
namespace {

using ::testing::HasSubstr;
using testing::EventRecorder;
using testing::RunningSpreadd;

TEST(PublisherTest, AMessageReachesASubscriptionWithItsTextIntact) {
  RunningSpreadd daemon;
  ASSERT_TRUE(daemon.start());
  EventRecorder recorder;
  SubscriptionOptions options;
  options.port = daemon.port();
  options.topic = "room.1";
  Subscription subscription(options, recorder.messageHandler(), recorder.eventHandler());
  ASSERT_TRUE(recorder.awaitEvent(EventRecorder::Kind::kConnected));

  Publisher publisher(daemon.publisherOptions());
  const std::string text = "say \"hi\" \\ caf\xC3\xA9\n";
  const PublishResult result = publisher.publish("ann", text, "room.1");
  ASSERT_TRUE(result.ok()) << result.status << " " << result.error;
  EXPECT_EQ(result.error, "");
  EXPECT_FALSE(result.retryAfter);

  ASSERT_TRUE(recorder.awaitMessages(1));
  const Message received = recorder.messages().at(0);
  EXPECT_EQ(received.name, "ann");
  EXPECT_EQ(received.msg, text);
  EXPECT_THAT(received.frame, HasSubstr("\"name\""));
  EXPECT_THAT(received.frame, HasSubstr("caf"));
}

TEST(PublisherTest, ManyPublishesGoOverOneConnection) {
  // session.publish* is a budget per connection, addressPublishesPerSecond (0) one per address:
  // only publishes sharing a connection can exhaust the first.
  constexpr int kBurst = 25;
  RunningSpreadd daemon({"session.publishesPerSecond = 1", "session.publishBurst = " + std::to_string(kBurst)});
  ASSERT_TRUE(daemon.start());
  Publisher publisher(daemon.publisherOptions());
  for (int i = 0; i < kBurst; ++i) {
    const PublishResult result = publisher.publish("ann", "message " + std::to_string(i));
    ASSERT_TRUE(result.ok()) << "publish " << i << ": " << result.status << " " << result.error;
  }
  const PublishResult refused = publisher.publish("ann", "one too many");
  EXPECT_EQ(refused.status, 429);
  EXPECT_THAT(refused.error, HasSubstr("this connection"));
  ASSERT_TRUE(refused.retryAfter);
  EXPECT_GE(refused.retryAfter->count(), 1);
}

TEST(PublisherTest, RefusalsCarryTheStatusAndTheServersReason) {
  RunningSpreadd daemon({"transport.websocket.bodyBytesMax = 1024"});
  ASSERT_TRUE(daemon.start());
  Publisher publisher(daemon.publisherOptions());

  const PublishResult badTopic = publisher.publish("ann", "hello", "no such/topic!");
  EXPECT_EQ(badTopic.status, 400);
  EXPECT_THAT(badTopic.error, HasSubstr("topic"));
  EXPECT_FALSE(badTopic.ok());

  const PublishResult noName = publisher.publish("", "hello");
  EXPECT_EQ(noName.status, 400);
  EXPECT_THAT(noName.error, HasSubstr("name"));
  EXPECT_EQ(noName.field, "name");

  // The server reads no further than bodyBytesMax and closes the connection after its 413.
  const PublishResult tooBig = publisher.publish("ann", std::string(2000, 'x'));
  EXPECT_EQ(tooBig.status, 413);
  EXPECT_FALSE(tooBig.error.empty());

  const PublishResult after = publisher.publish("ann", "still here");
  EXPECT_TRUE(after.ok()) << after.status << " " << after.error;
}

TEST(PublisherTest, UnusableOptionsAreRefusedByName) {
  PublisherOptions noPort;
  noPort.port = 0;
  EXPECT_THROW(
      {
        try {
          Publisher publisher(noPort);
        } catch (const std::invalid_argument& e) {
          EXPECT_THAT(e.what(), HasSubstr("PublisherOptions.port"));
          throw;
        }
      },
      std::invalid_argument);
  PublisherOptions noTimeout;
  noTimeout.requestTimeout = std::chrono::milliseconds(0);
  EXPECT_THROW(Publisher{noTimeout}, std::invalid_argument);
}

}  // namespace
}  // namespace spread::client
