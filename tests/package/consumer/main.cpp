// A user of the installed Spread package: a broker on virtual time carries one message of the
// user's own type, with the user's own codec, to a typed handler and to a gmock subscriber.
// client_use.cpp calls the installed spread::client. Prints "spread_consumer: ok" on success.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "spread/core/broker.h"
#include "spread/core/codec.h"
#include "spread/core/manual_executor.h"
#include "spread/core/typed_topic.h"
#include "spread/testing/mock_subscriber.h"

namespace {

using ::testing::_;
using ::testing::Return;
using ::testing::StrictMock;

// The core knows no message format: a user brings the type and how it is written as bytes.
struct Greeting {
  std::string who;
  friend bool operator==(const Greeting&, const Greeting&) = default;
};

struct GreetingCodec {
  static std::string encode(const Greeting& greeting) { return "hello " + greeting.who; }
  static spread::core::Decoded<Greeting> decode(std::string_view bytes) {
    if (bytes.substr(0, 6) != "hello ") return spread::core::CodecError{"", "not a greeting"};
    return Greeting{std::string(bytes.substr(6))};
  }
};

TEST(ConsumerTest, PublishesAndReceivesAMessageOfItsOwnType) {
  spread::core::ManualClock clock;
  spread::core::ManualExecutor executor(clock);
  spread::core::Broker broker(clock, executor);
  spread::core::TopicLookup lookup = broker.topic("chat");
  ASSERT_TRUE(lookup.ok()) << lookup.error;

  spread::core::TypedTopic<Greeting, GreetingCodec> greetings(lookup.topic);
  std::vector<Greeting> received;
  ASSERT_TRUE(greetings.subscribe([&](const Greeting& g) { received.push_back(g); }).ok());
  auto mock = std::make_shared<StrictMock<spread::testing::MockSubscriber>>();
  ASSERT_TRUE(lookup.topic->subscribe(mock).ok());
  EXPECT_CALL(*mock, deliver(_)).WillOnce(Return(spread::core::Delivery::kAccepted));
  EXPECT_CALL(*mock, close(spread::core::CloseReason::kGoingAway));

  ASSERT_EQ(greetings.tryPublish(Greeting{"ann"}), spread::core::PublishOutcome::kAccepted);
  executor.runUntilIdle();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0], (Greeting{"ann"}));

  bool completed = false;
  broker.shutdown(std::chrono::seconds(1), [&](spread::core::CloseOutcome outcome) {
    completed = outcome == spread::core::CloseOutcome::kCompleted;
  });
  executor.runUntilIdle();
  EXPECT_TRUE(completed);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleMock(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  if (failed == 0) std::cout << "spread_consumer: ok" << std::endl;
  return failed;
}
