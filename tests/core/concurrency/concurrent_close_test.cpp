// Proves on real threads the promise Topic::close makes to async handlers: once the close
// reports kCompleted, no handler of the topic runs again, and every accepted message was
// handled first. The handlers run on the same pool as the fan-out, as in the daemon.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "real_broker.h"
#include "spread/core/handler_subscriber.h"

namespace spread::core {
namespace {

using std::chrono::seconds;
using test::Await;

TEST(ConcurrentCloseTest, NoAsyncHandlerRunsAfterTheCloseReportedCompleted) {
  constexpr int kRounds = 20;
  constexpr int kMessages = 200;
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<bool> completed{false};
    std::atomic<int> handled{0};
    std::atomic<int> ranAfterCompletion{0};
    Await state;
    std::optional<CloseOutcome> outcome;
    {
      test::RealBroker env{BrokerOptions{.topic = {.inboundMessagesMax = kMessages}}};
      auto topic = env.broker.topic("chat").topic;
      ASSERT_NE(topic, nullptr);
      auto onMessage = [&](const MessagePtr&) {
        if (completed.load()) ++ranAfterCompletion;
        ++handled;
      };
      auto onClose = [&](CloseReason) {
        if (completed.load()) ++ranAfterCompletion;
      };
      ASSERT_TRUE(topic->subscribe(AsyncHandlerSubscriber::create(env.pool, onMessage, onClose, kMessages)).ok());
      for (int i = 0; i < kMessages; ++i) {
        ASSERT_EQ(topic->tryPublish(Payload::raw(std::to_string(i))), PublishOutcome::kAccepted);
      }
      topic->close(seconds(30), [&](CloseOutcome o) {
        completed = true;
        state.update([&] { outcome = o; });
      });
      ASSERT_TRUE(state.waitFor([&] { return outcome.has_value(); })) << "the close never completed";
      // Leaving the scope shuts the pool down, which runs whatever is still queued: a handler
      // left behind by the close would run now.
    }
    EXPECT_EQ(outcome, CloseOutcome::kCompleted);
    EXPECT_EQ(handled.load(), kMessages) << "round " << round;
    ASSERT_EQ(ranAfterCompletion.load(), 0) << "round " << round << ": a handler ran after the close completed";
  }
}

}  // namespace
}  // namespace spread::core
