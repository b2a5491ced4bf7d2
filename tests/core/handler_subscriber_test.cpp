// Proves HandlerSubscriber: its handler runs synchronously during fan-out (before the
// topic moves on to the next subscriber), a handler that throws is dropped with
// kHandlerFailed while the exception goes no further and the others carry on, and an absent
// close handler is not called (counting throws, since close() swallows them).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>
#include <vector>

#include "spread/core/handler_subscriber.h"
#include "spread/testing/mock_subscriber.h"
#include "test_support.h"
#include "thrown_exceptions.h"

namespace spread::core {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Invoke;
using ::testing::StrictMock;
using spread::testing::MockSubscriber;
using test::drainBytes;
using test::VirtualBroker;

class HandlerSubscriberTest : public ::testing::Test {
 protected:
  void publish(const char* text) {
    ASSERT_EQ(topic_->tryPublish(Payload::raw(text)), PublishOutcome::kAccepted);
  }

  VirtualBroker env_;
  std::shared_ptr<Topic> topic_ = env_.topic("chat");
  std::vector<std::string> seen_;
  std::vector<CloseReason> closed_;
};

TEST_F(HandlerSubscriberTest, RunsDuringFanOutBeforeTheNextSubscriberIsServed) {
  auto handler = std::make_shared<HandlerSubscriber>(
      [this](const MessagePtr& m) { seen_.push_back(m->bytes()); });
  auto next = std::make_shared<StrictMock<MockSubscriber>>();
  ASSERT_TRUE(topic_->subscribe(handler).ok());
  ASSERT_TRUE(topic_->subscribe(next).ok());
  EXPECT_CALL(*next, deliver(_)).WillOnce(Invoke([this](const MessagePtr& m) {
    EXPECT_THAT(seen_, ElementsAre(m->bytes())) << "the handler already ran";
    return Delivery::kAccepted;
  }));
  publish("one");
  ASSERT_TRUE(env_.executor.runNext());  // the single fan-out task
  EXPECT_THAT(seen_, ElementsAre("one"));
}

TEST_F(HandlerSubscriberTest, AThrowingHandlerIsDroppedWithHandlerFailedAndOthersCarryOn) {
  auto failing = std::make_shared<HandlerSubscriber>(
      [this](const MessagePtr& m) {
        seen_.push_back(m->bytes());
        throw std::runtime_error("boom");
      },
      [this](CloseReason reason) { closed_.push_back(reason); });
  auto keeper = std::make_shared<QueueSubscriber>(test::roomyQueue());
  SubscriptionHandle handle = topic_->subscribe(failing).handle;
  ASSERT_TRUE(topic_->subscribe(keeper).ok());
  publish("1");
  publish("2");
  env_.executor.runUntilIdle();

  EXPECT_THAT(seen_, ElementsAre("1")) << "nothing after the failure";
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kHandlerFailed));
  EXPECT_FALSE(handle.active());
  EXPECT_FALSE(handle.unsubscribe());
  EXPECT_THAT(drainBytes(*keeper), ElementsAre("1", "2"));
  EXPECT_EQ(topic_->stats().subscribers, 1u);
  EXPECT_EQ(env_.executor.escapedExceptions(), 0u) << "the exception did not escape the task";
}

TEST_F(HandlerSubscriberTest, ANonStandardExceptionIsCaughtToo) {
  auto failing = std::make_shared<HandlerSubscriber>([](const MessagePtr&) { throw 42; },
                                                     [this](CloseReason r) { closed_.push_back(r); });
  ASSERT_TRUE(topic_->subscribe(failing).ok());
  publish("1");
  env_.executor.runUntilIdle();
  EXPECT_THAT(closed_, ElementsAre(CloseReason::kHandlerFailed));
  EXPECT_EQ(env_.executor.escapedExceptions(), 0u);
}

TEST_F(HandlerSubscriberTest, DeliverReportsFailureInsteadOfThrowing) {
  HandlerSubscriber failing([](const MessagePtr&) { throw std::logic_error("bad"); });
  auto m = std::make_shared<const Message>(1, TimePoint{}, Payload::raw("x"));
  EXPECT_EQ(failing.deliver(m), Delivery::kFailed);
  HandlerSubscriber fine([](const MessagePtr&) {});
  EXPECT_EQ(fine.deliver(m), Delivery::kAccepted);
}

TEST_F(HandlerSubscriberTest, AThrowingCloseHandlerIsContained) {
  auto handler = std::make_shared<HandlerSubscriber>(
      [](const MessagePtr&) {}, [](CloseReason) { throw std::runtime_error("close failed"); });
  SubscriptionHandle handle = topic_->subscribe(handler).handle;
  EXPECT_NO_THROW(EXPECT_TRUE(handle.unsubscribe()));
  auto other = std::make_shared<HandlerSubscriber>(
      [](const MessagePtr&) {}, [](CloseReason) { throw std::runtime_error("close failed"); });
  ASSERT_TRUE(topic_->subscribe(other).ok());
  topic_->close(std::chrono::seconds(1), [](CloseOutcome) {});
  env_.executor.runUntilIdle();
  EXPECT_EQ(env_.executor.escapedExceptions(), 0u);
}

TEST_F(HandlerSubscriberTest, WithoutACloseHandlerClosingCallsNothing) {
  // The counter must see a throw made inside a library and swallowed there at once: the
  // path an absent close handler, called anyway, would take.
  const std::size_t before = test::exceptionsThrown();
  try {
    std::function<void()>{}();
  } catch (const std::bad_function_call&) {
  }
  ASSERT_EQ(test::exceptionsThrown(), before + 1) << "the counter misses library throws; nothing below would show";

  auto handler = std::make_shared<HandlerSubscriber>([this](const MessagePtr& m) {
    seen_.push_back(m->bytes());
  });
  ASSERT_TRUE(topic_->subscribe(handler).ok());
  publish("a");
  const std::size_t beforeClose = test::exceptionsThrown();
  topic_->close(std::chrono::seconds(1), [](CloseOutcome) {});
  env_.executor.runUntilIdle();
  EXPECT_THAT(seen_, ElementsAre("a"));
  EXPECT_EQ(test::exceptionsThrown(), beforeClose) << "close() called the absent handler and swallowed the throw";
  EXPECT_EQ(env_.executor.escapedExceptions(), 0u);
}

}  // namespace
}  // namespace spread::core
