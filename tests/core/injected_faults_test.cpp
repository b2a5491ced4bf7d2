// Proves the core's deliberate bugs (InjectedFaults, for the simulator's tests) do what
// their names say where they live, and nothing while switched off: a topic's fan-out that
// skips every second subscription after its third message, and a queue that forgets its
// bound. Each test runs the same steps with the fault off and on and compares.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "spread/core/injected_faults.h"
#include "test_support.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using test::drainBytes;
using test::VirtualBroker;

TEST(InjectedFaultsTest, AllAreOffUntilEnabledByName) {
  InjectedFaults faults;
  EXPECT_FALSE(faults.topicSkipsSubscriber || faults.queueForgetsBound || faults.unflushedClose ||
               faults.wrongDropCode || faults.parserAcceptsBadUtf8);
  EXPECT_FALSE(faults.enable("no-such-fault"));
  for (const std::string& name : InjectedFaults::names()) EXPECT_TRUE(faults.enable(name)) << name;
  EXPECT_TRUE(faults.topicSkipsSubscriber && faults.queueForgetsBound && faults.unflushedClose &&
              faults.wrongDropCode && faults.parserAcceptsBadUtf8);
  EXPECT_THAT(InjectedFaults::names(), ElementsAre("parser-accepts-bad-utf8", "queue-forgets-bound",
                                                   "topic-skips-subscriber", "unflushed-close", "wrong-drop-code"));
}

// Two queues on one topic, five messages fanned out: what each queue holds.
struct FanOut {
  std::vector<std::string> first;
  std::vector<std::string> second;
  std::optional<CloseReason> secondClosed;
};
FanOut fanOutFive(const InjectedFaults& faults) {
  VirtualBroker env{BrokerOptions{.topic = {}, .faults = &faults}};
  auto topic = env.topic("chat");
  auto first = std::make_shared<QueueSubscriber>(test::roomyQueue());
  auto second = std::make_shared<QueueSubscriber>(test::roomyQueue());
  EXPECT_TRUE(topic->subscribe(first).ok());
  EXPECT_TRUE(topic->subscribe(second).ok());
  for (const char* text : {"1", "2", "3", "4", "5"}) {
    EXPECT_EQ(topic->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  }
  env.executor.runUntilIdle();
  return FanOut{drainBytes(*first), drainBytes(*second), second->closeReason()};
}

TEST(InjectedFaultsTest, TopicSkipsSubscriberStarvesTheSecondSubscriptionAfterThreeMessagesSilently) {
  const FanOut clean = fanOutFive(InjectedFaults{});
  EXPECT_THAT(clean.first, ElementsAre("1", "2", "3", "4", "5"));
  EXPECT_THAT(clean.second, ElementsAre("1", "2", "3", "4", "5"));

  InjectedFaults faults;
  faults.topicSkipsSubscriber = true;
  const FanOut skipped = fanOutFive(faults);
  EXPECT_THAT(skipped.first, ElementsAre("1", "2", "3", "4", "5"));
  EXPECT_THAT(skipped.second, ElementsAre("1", "2", "3"));
  EXPECT_FALSE(skipped.secondClosed.has_value()) << "the skipped subscriber is never told";
}

MessagePtr message(std::string bytes) {
  return std::make_shared<const Message>(1, TimePoint{}, Payload::raw(std::move(bytes)));
}

TEST(InjectedFaultsTest, QueueForgetsBoundTakesMessagesPastBothBounds) {
  InjectedFaults faults;
  faults.queueForgetsBound = true;
  const InjectedFaults* const none = nullptr;
  for (const InjectedFaults* fault : {none, static_cast<const InjectedFaults*>(&faults)}) {
    QueueSubscriber byCount(QueueLimits{.messagesMax = 2, .bytesMax = 1 << 20}, fault);
    QueueSubscriber byBytes(QueueLimits{.messagesMax = 100, .bytesMax = 4}, fault);
    const Delivery full = fault != nullptr ? Delivery::kAccepted : Delivery::kFull;
    EXPECT_EQ(byCount.deliver(message("a")), Delivery::kAccepted);
    EXPECT_EQ(byCount.deliver(message("b")), Delivery::kAccepted);
    EXPECT_EQ(byCount.deliver(message("c")), full);
    EXPECT_EQ(byCount.size(), fault != nullptr ? 3u : 2u);
    EXPECT_EQ(byBytes.deliver(message("abcd")), Delivery::kAccepted);
    EXPECT_EQ(byBytes.deliver(message("e")), full);
    EXPECT_EQ(byBytes.bytes(), fault != nullptr ? 5u : 4u);
  }
}

}  // namespace
}  // namespace spread::core
