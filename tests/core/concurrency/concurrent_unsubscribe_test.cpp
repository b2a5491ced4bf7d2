// Proves, on real threads, that subscriptions may come and go during fan-out: each gets a
// gap-free run of messages, no handler call starts after unsubscribe() returned, racing
// unsubscribes end a subscription once, and subscribers that stay lose nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "real_broker.h"
#include "spread/core/handler_subscriber.h"
#include "thread_state.h"

namespace spread::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using std::chrono::seconds;
using test::Await;
using test::OrderChecker;

// What one short-lived subscription saw. Shared with its handlers, which may outlive the
// thread that made it.
struct Visitor {
  std::atomic<bool> unsubscribed{false};
  std::atomic<int> callsAfterUnsubscribe{0};
  std::atomic<int> gaps{0};
  std::uint64_t lastSequence = 0;  // touched only by the (never concurrent) handler calls
  Await await;
  int received = 0;
  std::vector<CloseReason> closes;

  MessageHandler handler() {
    return [this](const MessagePtr& m) {
      if (unsubscribed.load()) ++callsAfterUnsubscribe;
      if (lastSequence != 0 && m->sequence() != lastSequence + 1) ++gaps;
      lastSequence = m->sequence();
      await.update([&] { ++received; });
    };
  }
  CloseHandler onClose() {
    return [this](CloseReason r) { await.update([&] { closes.push_back(r); }); };
  }
};

// Publishes "<p>:<i>" one message at a time (waiting for each outcome, as a session does)
// until told to stop.
class Publishers {
 public:
  Publishers(Topic& topic, int count) {
    for (int p = 0; p < count; ++p) {
      threads_.emplace_back([this, &topic, p] {
        for (int i = 0; !stop_.load(); ++i) {
          std::promise<PublishOutcome> outcome;
          topic.publish(Payload::raw(test::messageText(p, i)), seconds(20),
                        [&outcome](PublishOutcome o) { outcome.set_value(o); });
          auto future = outcome.get_future();
          if (future.wait_for(test::kAwaitMax) != std::future_status::ready ||
              future.get() != PublishOutcome::kAccepted) {
            ++failures_;
            return;
          }
          ++accepted_;
        }
      });
    }
  }
  ~Publishers() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int accepted() const { return accepted_.load(); }
  int failures() const { return failures_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> failures_{0};
  std::vector<std::thread> threads_;
};

TEST(ConcurrentUnsubscribeTest, ChurnDuringFanOutKeepsEveryRunGapFreeAndEndsItCleanly) {
  constexpr int kPublishers = 3;
  constexpr int kChurners = 2;
  constexpr int kVisitsEach = 60;
  constexpr std::size_t kVisitorBacklogMax = 1 << 20;
  OrderChecker keeper;
  std::vector<std::shared_ptr<Visitor>> visitors;
  std::mutex visitorsMutex;
  test::RealBroker env{BrokerOptions{.topicsMax = 1, .topic = {.inboundMessagesMax = 32, .fanoutBatchMax = 8}}};
  auto topic = env.broker.topic("chat").topic;
  ASSERT_TRUE(topic->subscribe(std::make_shared<HandlerSubscriber>(
                                   [&](const MessagePtr& m) { keeper.record(m->bytes()); }))
                  .ok());

  Publishers publishers(*topic, kPublishers);
  std::vector<std::thread> churners;
  for (int c = 0; c < kChurners; ++c) {
    churners.emplace_back([&, c] {
      for (int visit = 0; visit < kVisitsEach; ++visit) {
        auto visitor = std::make_shared<Visitor>();
        {
          std::lock_guard lock(visitorsMutex);
          visitors.push_back(visitor);
        }
        std::shared_ptr<Subscriber> subscriber;
        if ((visit + c) % 2 == 0) {
          subscriber = std::make_shared<HandlerSubscriber>(visitor->handler(), visitor->onClose());
        } else {
          // This test is about leaving, not about slow readers: on a loaded machine (CI runs
          // tests two at a time) the pool may starve a visitor while publishers run flat
          // out, and with the default backlog it was then dropped as too slow.
          subscriber = AsyncHandlerSubscriber::create(env.pool, visitor->handler(), visitor->onClose(),
                                                      kVisitorBacklogMax);
        }
        SubscriptionHandle handle = topic->subscribe(subscriber).handle;
        // Stay for a message or two, then leave while fan-out is running.
        EXPECT_TRUE(visitor->await.waitFor([&] { return visitor->received >= 1 + visit % 2; }));
        EXPECT_TRUE(handle.unsubscribe());
        visitor->unsubscribed = true;
        EXPECT_FALSE(handle.unsubscribe());
      }
    });
  }
  for (auto& thread : churners) thread.join();
  publishers.stop();
  EXPECT_EQ(publishers.failures(), 0);

  std::promise<CloseOutcome> closed;
  topic->close(seconds(20), [&](CloseOutcome o) { closed.set_value(o); });
  auto future = closed.get_future();
  ASSERT_EQ(future.wait_for(test::kAwaitMax), std::future_status::ready);
  EXPECT_EQ(future.get(), CloseOutcome::kCompleted);

  EXPECT_EQ(keeper.received(), publishers.accepted());
  EXPECT_THAT(keeper.violations(), IsEmpty());
  ASSERT_EQ(visitors.size(), static_cast<std::size_t>(kChurners * kVisitsEach));
  for (const auto& visitor : visitors) {
    ASSERT_TRUE(visitor->await.waitFor([&] { return !visitor->closes.empty(); }));
    EXPECT_EQ(visitor->callsAfterUnsubscribe.load(), 0);
    EXPECT_EQ(visitor->gaps.load(), 0);
    EXPECT_THAT(visitor->await.read([&] { return visitor->closes; }), ElementsAre(CloseReason::kUnsubscribed));
  }
  EXPECT_EQ(env.pool.escapedExceptions(), 0u);
}

TEST(ConcurrentUnsubscribeTest, RacingUnsubscribesEndASubscriptionExactlyOnceMidDelivery) {
  constexpr int kSubscribers = 16;
  std::vector<std::shared_ptr<Visitor>> visitors;
  test::RealBroker env{BrokerOptions{.topicsMax = 1, .topic = {.inboundMessagesMax = 16, .fanoutBatchMax = 4}}};
  auto topic = env.broker.topic("chat").topic;
  std::vector<SubscriptionHandle> handles;
  for (int s = 0; s < kSubscribers; ++s) {
    visitors.push_back(std::make_shared<Visitor>());
    std::shared_ptr<Subscriber> subscriber =
        s % 2 == 0 ? std::shared_ptr<Subscriber>(std::make_shared<HandlerSubscriber>(
                         visitors.back()->handler(), visitors.back()->onClose()))
                   : AsyncHandlerSubscriber::create(env.pool, visitors.back()->handler(),
                                                    visitors.back()->onClose());
    handles.push_back(topic->subscribe(subscriber).handle);
  }
  Publishers publishers(*topic, 2);
  for (int s = 0; s < kSubscribers; ++s) {
    Visitor& visitor = *visitors[s];
    ASSERT_TRUE(visitor.await.waitFor([&] { return visitor.received >= 3; }));
    // Two threads race to end the same subscription while messages are flowing to it.
    auto other = std::async(std::launch::async, [&] { return handles[s].unsubscribe(); });
    const bool mine = handles[s].unsubscribe();
    const bool theirs = other.get();
    EXPECT_NE(mine, theirs) << "exactly one unsubscribe wins";
    visitor.unsubscribed = true;
  }
  publishers.stop();
  EXPECT_EQ(publishers.failures(), 0);
  for (const auto& visitor : visitors) {
    ASSERT_TRUE(visitor->await.waitFor([&] { return !visitor->closes.empty(); }));
    EXPECT_EQ(visitor->callsAfterUnsubscribe.load(), 0);
    EXPECT_EQ(visitor->gaps.load(), 0);
    EXPECT_THAT(visitor->await.read([&] { return visitor->closes; }), ElementsAre(CloseReason::kUnsubscribed));
  }
  EXPECT_EQ(topic->stats().subscribers, 0u);
}

// A handler call holds itself open until the thread calling unsubscribe() is either back
// from it (wrong) or asleep in the kernel, waiting (right: it must wait for the call to end).
// Nothing is timed: the handler lets go only once one of the two has been seen.
TEST(ConcurrentUnsubscribeTest, UnsubscribeWaitsForAHandlerCallInProgress) {
  for (const bool async : {false, true}) {
    SCOPED_TRACE(async ? "async handler" : "sync handler");
    Await state;
    bool entered = false;
    pid_t unsubscriber = 0;
    std::atomic<bool> returned{false};
    bool exited = false;
    bool overlapped = false;
    test::RealBroker env;
    MessageHandler handler = [&](const MessagePtr&) {
      state.update([&] { entered = true; });
      EXPECT_TRUE(state.waitFor([&] { return unsubscriber != 0; }));
      const pid_t tid = state.read([&] { return unsubscriber; });
      EXPECT_TRUE(test::pollUntil([&] { return returned.load() || test::isBlocked(tid); }))
          << "unsubscribe() neither returned nor blocked";
      state.update([&] {
        overlapped = returned.load();
        exited = true;
      });
    };
    std::shared_ptr<Subscriber> subscriber =
        async ? std::shared_ptr<Subscriber>(AsyncHandlerSubscriber::create(env.pool, handler))
              : std::make_shared<HandlerSubscriber>(handler);
    auto topic = env.broker.topic("chat").topic;
    SubscriptionHandle handle = topic->subscribe(subscriber).handle;
    ASSERT_EQ(topic->tryPublish(Payload::raw("held")), PublishOutcome::kAccepted);
    ASSERT_TRUE(state.waitFor([&] { return entered; }));
    std::thread unsubscribing([&] {
      // Nothing between this update and unsubscribe() can put this thread to sleep.
      state.update([&] { unsubscriber = test::currentThreadId(); });
      EXPECT_TRUE(handle.unsubscribe());
      returned = true;
    });
    const bool handlerExited = state.waitFor([&] { return exited; });
    unsubscribing.join();
    ASSERT_TRUE(handlerExited);
    EXPECT_FALSE(state.read([&] { return overlapped; })) << "unsubscribe() returned during a handler call";
  }
}

}  // namespace
}  // namespace spread::core
