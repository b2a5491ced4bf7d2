#pragma once

// Shared scaffolding for the core's unit tests: a Broker on virtual time, and matchers
// and helpers that read messages. Nothing here sleeps or starts a thread.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spread/core/broker.h"
#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"
#include "spread/core/queue_subscriber.h"

namespace spread::core::test {

/// A broker whose time and tasks move only when the test says so.
struct VirtualBroker {
  explicit VirtualBroker(BrokerOptions options = {}) : broker(clock, executor, options) {}

  /// The topic called `name`; fails the test if the broker refuses it.
  std::shared_ptr<Topic> topic(std::string_view name) {
    TopicLookup lookup = broker.topic(name);
    EXPECT_TRUE(lookup.ok()) << lookup.error;
    return lookup.topic;
  }

  /// True if no task is pending but the broker's sweep of idle topics, posted topicLinger
  /// after a topic went quiet at the current instant.
  bool onlyTheSweepIsPending() const {
    return executor.pending() == 1 && executor.nextDue() == clock.now() + broker.options().topicLinger;
  }

  ManualClock clock;
  ManualExecutor executor{clock};
  Broker broker;
};

MATCHER_P(HasBytes, bytes, "a message whose bytes are \"" + std::string(bytes) + "\"") {
  return arg != nullptr && arg->bytes() == bytes;
}

/// The bytes of each message still queued in `queue`, oldest first; empties it.
inline std::vector<std::string> drainBytes(QueueSubscriber& queue) {
  std::vector<std::string> out;
  for (const MessagePtr& message : queue.popUpTo(queue.size())) out.push_back(message->bytes());
  return out;
}

/// Limits roomy enough that a test's queue never overflows.
inline QueueLimits roomyQueue() { return QueueLimits{.messagesMax = 10'000, .bytesMax = 1 << 24}; }

}  // namespace spread::core::test
