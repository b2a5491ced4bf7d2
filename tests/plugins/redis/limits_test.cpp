// The link's bounds: publishes beyond pendingCommandsMax are refused at once; a server that
// stops answering (SIGSTOP) fails each publish within commandTimeout, and is noticed by the
// heartbeat when nothing is published; stop() fails every pending publish exactly once; a
// stopped link leaves no thread behind.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "link_probe.h"
#include "redis_server.h"

namespace spread::plugins::redis::testing {
namespace {

// Collects publish results from the link's thread.
struct Outcomes {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<int, std::vector<PublishResult>> byPublish;

  std::function<void(const PublishResult&)> callbackFor(int index) {
    return [this, index](const PublishResult& result) {
      std::lock_guard lock(mutex);
      byPublish[index].push_back(result);
      changed.notify_all();
    };
  }
  bool await(std::size_t count, std::chrono::milliseconds deadline) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, deadline, [&] { return byPublish.size() >= count; });
  }
};

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }
  void TearDown() override { server_.resume(); }
  RedisServer server_;
};

TEST_F(LimitsTest, PublishesBeyondTheBoundAreRefusedAndUnansweredOnesTimeOut) {
  auto options = testOptions(server_.port());
  options.pendingCommandsMax = 4;
  options.commandTimeout = std::chrono::milliseconds(300);
  LinkProbe probe(options);
  ASSERT_TRUE(probe.awaitConnected());
  server_.pause();

  Outcomes outcomes;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(probe.link().publish("c", "p", outcomes.callbackFor(i)), PublishAdmission::kAccepted);
  }
  EXPECT_EQ(probe.link().publish("c", "p", outcomes.callbackFor(4)), PublishAdmission::kRefusedTooManyPending);

  ASSERT_TRUE(outcomes.await(4, std::chrono::seconds(3)));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  std::lock_guard lock(outcomes.mutex);
  EXPECT_EQ(outcomes.byPublish.count(4), 0u);
  for (auto& [index, results] : outcomes.byPublish) {
    ASSERT_EQ(results.size(), 1u) << index;
    EXPECT_FALSE(results[0].published);
    EXPECT_NE(results[0].failure.find("PUBLISH not answered within commandTimeout (300 ms)"), std::string::npos)
        << results[0].failure;
  }
}

TEST_F(LimitsTest, AServerThatStopsAnsweringIsNoticedWithoutAPublish) {
  auto options = testOptions(server_.port());
  options.heartbeatInterval = std::chrono::milliseconds(100);
  options.commandTimeout = std::chrono::milliseconds(300);
  LinkProbe probe(options);
  ASSERT_TRUE(probe.awaitConnected());
  std::size_t statesBefore = probe.stateCount();
  auto start = std::chrono::steady_clock::now();
  server_.pause();
  std::string reason = probe.awaitDisconnected(statesBefore);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_NE(reason.find("PING not answered within commandTimeout (300 ms)"), std::string::npos) << reason;
  server_.resume();
  EXPECT_TRUE(probe.awaitConnected());
}

TEST_F(LimitsTest, StopFailsEveryPendingPublishExactlyOnce) {
  auto options = testOptions(server_.port());
  options.commandTimeout = std::chrono::seconds(30);
  Outcomes outcomes;
  {
    LinkProbe probe(options);
    ASSERT_TRUE(probe.awaitConnected());
    server_.pause();
    for (int i = 0; i < 50; ++i) {
      ASSERT_EQ(probe.link().publish("c", std::string(1000, 'x'), outcomes.callbackFor(i)), PublishAdmission::kAccepted);
    }
    probe.link().stop();
    EXPECT_EQ(probe.link().publish("c", "p", outcomes.callbackFor(99)), PublishAdmission::kRefusedStopped);
    EXPECT_EQ(probe.link().pendingCount(), 0u);
  }
  std::lock_guard lock(outcomes.mutex);
  ASSERT_EQ(outcomes.byPublish.size(), 50u);
  for (auto& [index, results] : outcomes.byPublish) {
    ASSERT_EQ(results.size(), 1u) << index;
    EXPECT_FALSE(results[0].published);
    EXPECT_NE(results[0].failure.find("link stopped"), std::string::npos) << results[0].failure;
  }
}

TEST_F(LimitsTest, StoppedLinksLeaveNoThreads) {
  // ThreadSanitizer starts a thread of its own at the first thread created: let it, first.
  std::thread([] {}).join();
  std::size_t before = threadCount();
  {
    LinkProbe first(testOptions(server_.port()));
    LinkProbe second(testOptions(server_.port()));
    ASSERT_TRUE(first.awaitConnected());
    ASSERT_TRUE(second.awaitConnected());
    EXPECT_EQ(threadCount(), before + 2);
  }
  EXPECT_EQ(threadCount(), before);
}

}  // namespace
}  // namespace spread::plugins::redis::testing
