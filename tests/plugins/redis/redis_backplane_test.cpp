// RedisBackplane against a real redis-server: numbering and epochs, reading back, two
// backplanes seeing each other's entries, a lost log starting a new epoch, losing and
// regaining Redis, and hostile feed messages.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "link_probe.h"
#include "redis_backplane.h"
#include "redis_server.h"

namespace spread::plugins::redis::testing {
namespace {

using core::AppendResult;
using core::Backplane;
using core::LogEntry;
using core::LogRead;

struct Received {
  std::string topic;
  std::uint64_t epoch;
  std::uint64_t offset;
  std::string bytes;
};

// Records what the backplane tells it; the awaits have a deadline.
class RecordingListener final : public core::BackplaneListener {
 public:
  void onEntry(std::string_view topic, std::uint64_t epoch, LogEntry entry) override {
    record([&] { entries_.push_back({std::string(topic), epoch, entry.offset, std::move(entry.bytes)}); });
  }
  void onFollowing(std::string_view topic) override { record([&] { following_.emplace_back(topic); }); }
  void onAvailability(bool available, std::string problem) override {
    record([&] { availability_.emplace_back(available, std::move(problem)); });
  }

  template <typename Condition>
  bool await(Condition condition) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kAwaitDeadline, [&] { return condition(); });
  }
  bool awaitEntries(std::size_t count) { return await([&] { return entries_.size() >= count; }); }
  bool awaitFollowing(const std::string& topic, std::size_t times) {
    return await([&] { return std::count(following_.begin(), following_.end(), topic) >= static_cast<long>(times); });
  }
  bool awaitAvailable(std::size_t after) {
    return await([&] { return availability_.size() > after && availability_.back().first; });
  }
  std::optional<std::string> awaitUnavailable(std::size_t after) {
    std::optional<std::string> problem;
    await([&] {
      for (std::size_t i = after; i < availability_.size(); ++i) {
        if (!availability_[i].first) problem = availability_[i].second;
      }
      return problem.has_value();
    });
    return problem;
  }
  std::vector<Received> entries() {
    std::lock_guard lock(mutex_);
    return entries_;
  }
  std::size_t availabilityCount() {
    std::lock_guard lock(mutex_);
    return availability_.size();
  }

 private:
  template <typename Change>
  void record(Change change) {
    {
      std::lock_guard lock(mutex_);
      change();
    }
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> entries_;
  std::vector<std::string> following_;
  std::vector<std::pair<bool, std::string>> availability_;
};

RedisBackplaneOptions backplaneOptions(int port) {
  RedisBackplaneOptions options;
  options.link = testOptions(port);
  options.prefix = "test:";
  options.historySize = 100;
  options.historyTtl = std::chrono::milliseconds(60000);
  return options;
}

AppendResult appendAndWait(Backplane& backplane, const std::string& topic, const std::string& bytes) {
  std::promise<AppendResult> promise;
  auto future = promise.get_future();
  backplane.append(topic, bytes, [&promise](AppendResult result) { promise.set_value(std::move(result)); });
  if (future.wait_for(kAwaitDeadline) != std::future_status::ready) return {false, 0, 0, "no answer in time"};
  return future.get();
}

LogRead readAndWait(Backplane& backplane, const std::string& topic, std::uint64_t after, std::size_t countMax) {
  std::promise<LogRead> promise;
  auto future = promise.get_future();
  backplane.read(topic, after, countMax, [&promise](LogRead read) { promise.set_value(std::move(read)); });
  if (future.wait_for(kAwaitDeadline) != std::future_status::ready) return {false, 0, 0, {}, "no answer in time"};
  return future.get();
}

std::vector<std::uint64_t> offsetsOf(const std::vector<LogEntry>& entries) {
  std::vector<std::uint64_t> offsets;
  for (const auto& entry : entries) offsets.push_back(entry.offset);
  return offsets;
}

class RedisBackplaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    backplane_.emplace(backplaneOptions(server_.port()));
    backplane_->start(listener_);
    ASSERT_TRUE(listener_.awaitAvailable(0));
  }
  void TearDown() override { backplane_->stop(); }

  RedisServer server_;
  RecordingListener listener_;
  std::optional<RedisBackplane> backplane_;
};

TEST_F(RedisBackplaneTest, AppendsAreNumberedFromOneUnderOneEpochAndReadBack) {
  std::vector<AppendResult> results;
  for (const std::string& bytes : std::vector<std::string>{"one", "two", std::string("th\0ree\r\n", 8)}) {
    results.push_back(appendAndWait(*backplane_, "chat", bytes));
    ASSERT_TRUE(results.back().ok) << results.back().problem;
  }
  EXPECT_EQ(results[0].offset, 1u);
  EXPECT_EQ(results[1].offset, 2u);
  EXPECT_EQ(results[2].offset, 3u);
  EXPECT_NE(results[0].epoch, 0u);
  EXPECT_EQ(results[1].epoch, results[0].epoch);
  EXPECT_EQ(results[2].epoch, results[0].epoch);

  LogRead after1 = readAndWait(*backplane_, "chat", 1, 10);
  ASSERT_TRUE(after1.ok) << after1.problem;
  EXPECT_EQ(after1.epoch, results[0].epoch);
  EXPECT_EQ(after1.lastOffset, 3u);
  EXPECT_EQ(offsetsOf(after1.entries), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(after1.entries[1].bytes, std::string("th\0ree\r\n", 8));

  LogRead tail = readAndWait(*backplane_, "chat", Backplane::kTail, 2);
  ASSERT_TRUE(tail.ok) << tail.problem;
  EXPECT_EQ(offsetsOf(tail.entries), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(tail.entries[0].bytes, "two");

  LogRead limited = readAndWait(*backplane_, "chat", 0, 1);
  EXPECT_EQ(offsetsOf(limited.entries), (std::vector<std::uint64_t>{1}));

  LogRead missing = readAndWait(*backplane_, "nothing-here", 0, 10);
  ASSERT_TRUE(missing.ok) << missing.problem;
  EXPECT_EQ(missing.epoch, 0u);
  EXPECT_EQ(missing.lastOffset, 0u);
  EXPECT_TRUE(missing.entries.empty());
  EXPECT_EQ(backplane_->counters().appends, 3u);
}

TEST_F(RedisBackplaneTest, TwoBackplanesSeeEachOthersEntriesThroughFollow) {
  RecordingListener otherListener;
  RedisBackplane other(backplaneOptions(server_.port()));
  other.start(otherListener);
  ASSERT_TRUE(otherListener.awaitAvailable(0));
  backplane_->follow("room");
  other.follow("room");
  ASSERT_TRUE(listener_.awaitFollowing("room", 1));
  ASSERT_TRUE(otherListener.awaitFollowing("room", 1));

  AppendResult first = appendAndWait(*backplane_, "room", "from A");
  AppendResult second = appendAndWait(other, "room", "from B");
  ASSERT_TRUE(first.ok && second.ok) << first.problem << second.problem;

  for (RecordingListener* listener : {&listener_, &otherListener}) {
    ASSERT_TRUE(listener->awaitEntries(2));
    auto entries = listener->entries();
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(std::tie(entries[0].topic, entries[0].offset, entries[0].bytes),
              std::make_tuple(std::string("room"), std::uint64_t{1}, std::string("from A")));
    EXPECT_EQ(std::tie(entries[1].offset, entries[1].bytes), std::make_tuple(std::uint64_t{2}, std::string("from B")));
    EXPECT_EQ(entries[0].epoch, first.epoch);
    EXPECT_EQ(entries[1].epoch, first.epoch);
  }

  // Unfollowed: the next entry reaches only the other backplane. The link unsubscribes
  // before it subscribes and Redis answers in order, so once "marker" is followed, "room" is not.
  backplane_->unfollow("room");
  backplane_->follow("marker");
  ASSERT_TRUE(listener_.awaitFollowing("marker", 1));
  ASSERT_TRUE(appendAndWait(other, "room", "after").ok);
  ASSERT_TRUE(otherListener.awaitEntries(3));
  ASSERT_TRUE(appendAndWait(*backplane_, "marker", "x").ok);
  ASSERT_TRUE(listener_.awaitEntries(3));
  EXPECT_EQ(listener_.entries()[2].topic, "marker");
  other.stop();
}

TEST_F(RedisBackplaneTest, ALostLogStartsANewEpochFromOffsetOne) {
  AppendResult before = appendAndWait(*backplane_, "chat", "a");
  ASSERT_TRUE(appendAndWait(*backplane_, "chat", "b").ok);
  LinkProbe admin(testOptions(server_.port()));
  ASSERT_TRUE(admin.awaitConnected());
  std::promise<std::string> flushed;
  ASSERT_EQ(admin.link().command({"FLUSHALL"},
                                 [&](const redisReply* reply, const std::string& failure) {
                                   flushed.set_value(reply != nullptr ? std::string(reply->str, reply->len) : failure);
                                 }),
            PublishAdmission::kAccepted);
  ASSERT_EQ(flushed.get_future().get(), "OK");

  LogRead lost = readAndWait(*backplane_, "chat", 0, 10);
  ASSERT_TRUE(lost.ok) << lost.problem;
  EXPECT_EQ(lost.epoch, 0u);

  // FLUSHALL also dropped the scripts: the append sends its text again (NOSCRIPT).
  AppendResult after = appendAndWait(*backplane_, "chat", "c");
  ASSERT_TRUE(after.ok) << after.problem;
  EXPECT_EQ(after.offset, 1u);
  EXPECT_NE(after.epoch, before.epoch);
  LogRead read = readAndWait(*backplane_, "chat", 0, 10);
  EXPECT_EQ(read.epoch, after.epoch);
  EXPECT_EQ(offsetsOf(read.entries), (std::vector<std::uint64_t>{1}));
}

TEST_F(RedisBackplaneTest, LosingRedisIsReportedAndFollowingResumesWhenItIsBack) {
  backplane_->follow("chat");
  ASSERT_TRUE(listener_.awaitFollowing("chat", 1));
  std::size_t states = listener_.availabilityCount();
  server_.kill();
  auto problem = listener_.awaitUnavailable(states);
  ASSERT_TRUE(problem.has_value());
  EXPECT_NE(problem->find("127.0.0.1:" + std::to_string(server_.port())), std::string::npos) << *problem;

  AppendResult refused = appendAndWait(*backplane_, "chat", "while down");
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.problem.find("redis 127.0.0.1:" + std::to_string(server_.port())), std::string::npos)
      << refused.problem;
  EXPECT_GE(backplane_->counters().appendFailures, 1u);

  states = listener_.availabilityCount();
  server_.start();
  ASSERT_TRUE(listener_.awaitFollowing("chat", 2));
  ASSERT_TRUE(listener_.awaitAvailable(states));
  AppendResult back = appendAndWait(*backplane_, "chat", "back");
  ASSERT_TRUE(back.ok) << back.problem;
  ASSERT_TRUE(listener_.awaitEntries(1));
  EXPECT_EQ(listener_.entries().back().bytes, "back");
  EXPECT_EQ(backplane_->counters().reconnects, 1u);
}

TEST_F(RedisBackplaneTest, HostileFeedMessagesAreDroppedAndCounted) {
  backplane_->follow("chat");
  ASSERT_TRUE(listener_.awaitFollowing("chat", 1));
  LinkProbe hostile(testOptions(server_.port()));
  ASSERT_TRUE(hostile.awaitConnected());
  const std::string channel = backplane_->channelOf("chat");
  for (std::string payload : {"", "no colons", "1:2", "x:1:bytes", "1:y:bytes", "0:1:zero epoch",
                              "99999999999999999999999:1:too big", "-1:1:negative"}) {
    auto result = hostile.publishAndWait(channel, payload);
    ASSERT_TRUE(result && result->published);
  }
  ASSERT_TRUE(appendAndWait(*backplane_, "chat", "good").ok);
  ASSERT_TRUE(listener_.awaitEntries(1));
  auto entries = listener_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].bytes, "good");
  EXPECT_EQ(backplane_->counters().malformedDropped, 8u);
  EXPECT_EQ(backplane_->counters().entriesReceived, 1u);
}

TEST(RedisBackplaneOptionsTest, ProblemsNameTheField) {
  RedisBackplaneOptions options;
  options.prefix = "a{b";
  EXPECT_NE(validateBackplaneOptions(options).find("prefix"), std::string::npos);
  options.prefix = "ok:";
  options.link.port = 0;
  EXPECT_NE(validateBackplaneOptions(options).find("port"), std::string::npos);
  EXPECT_THROW(RedisBackplane{options}, std::invalid_argument);
}

}  // namespace
}  // namespace spread::plugins::redis::testing
