// RedisPresence against a real redis-server: two presences on one server stand for two nodes.
// A member joined on one is listed on the other and gone once it leaves; join and leave frames
// cross nodes; a node that dies without cleaning up has its members dropped, and its watchers
// told, within the TTL; with Redis gone a list answers the problem. Every wait has a deadline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "link_probe.h"
#include "redis_presence.h"
#include "redis_server.h"

namespace spread::plugins::redis::testing {
namespace {

using ::testing::HasSubstr;
using transport::PresenceListing;

// Records what a presence tells: link states and a watcher's frames.
class Recorder {
 public:
  template <typename Condition>
  bool await(Condition condition) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kAwaitDeadline, [&] { return condition(); });
  }
  void state(const LinkState& state) {
    std::lock_guard lock(mutex_);
    connected_ = state.connected;
    changed_.notify_all();
  }
  transport::PresenceSink sink() {
    return [this](std::string frame) {
      std::lock_guard lock(mutex_);
      frames_.push_back(std::move(frame));
      changed_.notify_all();
    };
  }
  bool awaitConnected(bool connected) { return await([&] { return connected_ == connected; }); }
  // True once some frame contains every one of `parts`.
  bool awaitFrame(const std::vector<std::string>& parts) {
    return await([&] {
      for (const std::string& frame : frames_) {
        bool all = true;
        for (const std::string& part : parts) all = all && frame.find(part) != std::string::npos;
        if (all) return true;
      }
      return false;
    });
  }
  std::vector<std::string> frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool connected_ = false;
  std::vector<std::string> frames_;
};

class RedisPresenceTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }

  std::unique_ptr<RedisPresence> startNode(Recorder& recorder,
                                           std::chrono::milliseconds ttl = std::chrono::seconds(10)) {
    RedisPresenceOptions options;
    options.link = testOptions(server_.port());
    options.prefix = "test:";
    options.ttl = ttl;
    options.availability = [&recorder](const LinkState& state) { recorder.state(state); };
    auto presence = std::make_unique<RedisPresence>(std::move(options));
    presence->start();
    EXPECT_TRUE(recorder.awaitConnected(true));
    return presence;
  }

  static PresenceListing listOf(RedisPresence& presence, const std::string& topic, std::size_t max = 100) {
    auto answer = std::make_shared<std::promise<PresenceListing>>();
    std::future<PresenceListing> listing = answer->get_future();
    presence.list(topic, max, [answer](PresenceListing got) { answer->set_value(std::move(got)); });
    if (listing.wait_for(kAwaitDeadline) != std::future_status::ready) return {{}, "no answer within the deadline"};
    return listing.get();
  }

  // Lists again until `wanted` holds or the deadline passes: a write on one node's link and a
  // read on another's are not ordered, so a read may come just before the write it looks for.
  template <typename Wanted>
  static bool awaitList(RedisPresence& presence, const std::string& topic, PresenceListing& seen, Wanted wanted) {
    const auto deadline = std::chrono::steady_clock::now() + kAwaitDeadline;
    do {
      seen = listOf(presence, topic);
      if (seen.ok() && wanted(seen.list)) return true;
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  RedisServer server_;
};

TEST_F(RedisPresenceTest, AMemberJoinedOnOneNodeIsListedOnTheOtherUntilItLeaves) {
  Recorder a;
  Recorder b;
  auto nodeA = startNode(a);
  auto nodeB = startNode(b);
  const std::string ann = nodeA->join("chat", "ann", nullptr);
  // Joins on two nodes are ordered as Redis receives them: B joins once A's join is in.
  PresenceListing seen;
  ASSERT_TRUE(awaitList(*nodeB, "chat", seen, [](auto& list) { return list.count == 1; })) << seen.problem;
  const std::string bob = nodeB->join("chat", "bob", nullptr);
  EXPECT_NE(ann, bob);

  ASSERT_TRUE(awaitList(*nodeB, "chat", seen, [](auto& list) { return list.count == 2; })) << seen.problem;
  ASSERT_EQ(seen.list.members.size(), 2u);
  EXPECT_EQ(seen.list.members[0].id, ann);  // join order
  EXPECT_EQ(seen.list.members[0].name, "ann");
  EXPECT_EQ(seen.list.members[1].name, "bob");
  EXPECT_FALSE(seen.list.truncated);

  PresenceListing first = listOf(*nodeA, "chat", 1);
  EXPECT_EQ(first.list.count, 2u);
  EXPECT_EQ(first.list.members.size(), 1u);
  EXPECT_TRUE(first.list.truncated);

  nodeA->leave("chat", ann);
  ASSERT_TRUE(awaitList(*nodeB, "chat", seen, [](auto& list) { return list.count == 1; })) << seen.problem;
  EXPECT_EQ(seen.list.members.at(0).id, bob);
  EXPECT_EQ(nodeA->entries(), 0u);
  EXPECT_EQ(nodeB->entries(), 1u);
}

TEST_F(RedisPresenceTest, AWatcherSeesTheMembersOfEveryNodeThenTheirJoinsAndLeaves) {
  Recorder watcher;  // first: it must outlive the nodes, which call it
  Recorder a;
  Recorder b;
  auto nodeA = startNode(a);
  auto nodeB = startNode(b);
  const std::string early = nodeB->join("room", "early", nullptr);
  PresenceListing seen;
  ASSERT_TRUE(awaitList(*nodeA, "room", seen, [](auto& list) { return list.count == 1; })) << seen.problem;

  const std::string self = nodeA->join("room", "watcher", watcher.sink());
  ASSERT_TRUE(watcher.awaitFrame({R"("presence":"members")", R"("self":")" + self + '"', early, self}));

  const std::string late = nodeB->join("room", "late", nullptr);
  ASSERT_TRUE(watcher.awaitFrame({R"({"presence":"join","id":")" + late + R"(","name":"late"})"}));
  nodeB->leave("room", late);
  ASSERT_TRUE(watcher.awaitFrame({R"({"presence":"leave","id":")" + late + R"(","name":"late"})"}));
  // The watcher's own join is in its members frame, not told again as a join.
  for (const std::string& frame : watcher.frames()) {
    EXPECT_THAT(frame, ::testing::Not(HasSubstr("\"join\",\"id\":\"" + self)));
  }
}

TEST_F(RedisPresenceTest, ANodeThatStopsCleanlyTakesItsMembersOut) {
  Recorder watcher;  // first: it must outlive the nodes, which call it
  Recorder a;
  Recorder b;
  auto nodeA = startNode(a);
  auto nodeB = startNode(b);
  nodeA->join("chat", "watcher", watcher.sink());
  ASSERT_TRUE(watcher.awaitFrame({R"("presence":"members")"}));
  const std::string bob = nodeB->join("chat", "bob", nullptr);
  ASSERT_TRUE(watcher.awaitFrame({R"("presence":"join")", bob}));

  nodeB->stop();
  ASSERT_TRUE(watcher.awaitFrame({R"("presence":"leave")", bob}));
  EXPECT_EQ(listOf(*nodeA, "chat").list.count, 1u);
}

TEST_F(RedisPresenceTest, ADeadNodesMembersExpireWithinTheTtlAndItsLeaveIsToldOnce) {
  // Watchers on two live nodes: both sweep the topic, and each watcher must hear one leave.
  // Declared first: they must outlive the nodes, which call them.
  Recorder watcherA;
  Recorder watcherC;
  Recorder a;
  Recorder b;
  Recorder c;
  auto nodeA = startNode(a, std::chrono::milliseconds(600));
  auto nodeB = startNode(b, std::chrono::milliseconds(600));
  auto nodeC = startNode(c, std::chrono::milliseconds(600));
  nodeA->join("chat", "watcherA", watcherA.sink());
  nodeC->join("chat", "watcherC", watcherC.sink());
  ASSERT_TRUE(watcherA.awaitFrame({R"("presence":"members")"}));
  ASSERT_TRUE(watcherC.awaitFrame({R"("presence":"members")"}));
  const std::string ghost = nodeB->join("chat", "ghost", nullptr);
  ASSERT_TRUE(watcherA.awaitFrame({R"("presence":"join")", ghost}));
  ASSERT_TRUE(watcherC.awaitFrame({R"("presence":"join")", ghost}));

  // B's heartbeat stops and nothing is cleaned up: the others' sweeps must find its key gone.
  const auto abandoned = std::chrono::steady_clock::now();
  nodeB->abandon();
  const std::string leave = R"({"presence":"leave","id":")" + ghost + R"(","name":"ghost"})";
  ASSERT_TRUE(watcherA.awaitFrame({leave}));
  ASSERT_TRUE(watcherC.awaitFrame({leave}));
  // TTL (600 ms) plus a sweep interval (200 ms), with room for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - abandoned, std::chrono::milliseconds(3000));
  PresenceListing after = listOf(*nodeA, "chat");
  ASSERT_TRUE(after.ok()) << after.problem;
  EXPECT_EQ(after.list.count, 2u);
  for (const auto& member : after.list.members) EXPECT_NE(member.id, ghost);
  // A list drops dead entries as a sweep does: one more on each node, then count the leaves.
  ASSERT_TRUE(listOf(*nodeA, "chat").ok());
  PresenceListing again;
  ASSERT_TRUE(awaitList(*nodeC, "chat", again, [](auto& list) { return list.count == 2; }));
  for (Recorder* watcher : {&watcherA, &watcherC}) {
    int leaves = 0;
    for (const std::string& frame : watcher->frames()) leaves += frame.find("\"leave\"") != std::string::npos;
    EXPECT_EQ(leaves, 1);
  }
}

TEST_F(RedisPresenceTest, WithRedisGoneAListAnswersTheProblemAndMembersComeBackWithIt) {
  Recorder a;
  auto nodeA = startNode(a);
  const std::string ann = nodeA->join("chat", "ann", nullptr);
  PresenceListing seen;
  ASSERT_TRUE(awaitList(*nodeA, "chat", seen, [](auto& list) { return list.count == 1; })) << seen.problem;

  server_.kill();
  ASSERT_TRUE(a.awaitConnected(false));
  PresenceListing down = listOf(*nodeA, "chat");
  EXPECT_FALSE(down.ok());
  EXPECT_THAT(down.problem, HasSubstr("redis 127.0.0.1:" + std::to_string(server_.port())));
  EXPECT_TRUE(down.list.members.empty());

  // A new, empty Redis on the same port: the node writes its members again.
  server_.start();
  ASSERT_TRUE(a.awaitConnected(true));
  PresenceListing back;
  ASSERT_TRUE(awaitList(*nodeA, "chat", back, [](auto& list) { return list.count == 1; })) << back.problem;
  EXPECT_EQ(back.list.members.at(0).id, ann);
}

TEST_F(RedisPresenceTest, AMemberThatLeftWhileRedisWasUnreachableIsDeletedOnceItIsBack) {
  Recorder a;
  Recorder b;
  auto nodeA = startNode(a);
  auto nodeB = startNode(b);
  const std::string ann = nodeA->join("chat", "ann", nullptr);
  nodeA->join("chat", "bob", nullptr);
  PresenceListing seen;
  ASSERT_TRUE(awaitList(*nodeB, "chat", seen, [](auto& list) { return list.count == 2; })) << seen.problem;

  // Paused, Redis keeps its data but answers nothing: the link gives up, and ann's HDEL with it.
  server_.pause();
  ASSERT_TRUE(a.awaitConnected(false));
  nodeA->leave("chat", ann);
  server_.resume();
  ASSERT_TRUE(a.awaitConnected(true));
  ASSERT_TRUE(awaitList(*nodeB, "chat", seen, [](auto& list) { return list.count == 1; })) << seen.problem;
  EXPECT_EQ(seen.list.members.at(0).name, "bob");
}

TEST_F(RedisPresenceTest, ASinkMayMakeAMemberLeaveFromInsideItsCall) {
  // As a session whose queue overflowed leaves from inside the sink that overflowed it.
  Recorder seen;  // first: it must outlive the nodes, which call it
  Recorder a;
  Recorder b;
  auto nodeA = startNode(a);
  auto nodeB = startNode(b);
  const std::string victim = nodeA->join("room", "victim", nullptr);
  transport::PresenceSink record = seen.sink();
  RedisPresence* presence = nodeA.get();
  nodeA->join("room", "watcher", [presence, victim, record](std::string frame) {
    if (frame.find(R"("name":"trigger")") != std::string::npos) presence->leave("room", victim);
    record(std::move(frame));
  });
  ASSERT_TRUE(seen.awaitFrame({R"("presence":"members")", victim}));
  nodeB->join("room", "trigger", nullptr);
  ASSERT_TRUE(seen.awaitFrame({R"("presence":"leave")", victim}));
  EXPECT_EQ(nodeA->entries(), 1u);
  PresenceListing list;
  ASSERT_TRUE(awaitList(*nodeB, "room", list, [](auto& l) { return l.count == 2; })) << list.problem;
}

TEST_F(RedisPresenceTest, BadOptionsAreRefusedNamingTheKey) {
  RedisPresenceOptions options;
  options.link = testOptions(server_.port());
  options.ttl = std::chrono::milliseconds(50);
  EXPECT_THAT(validatePresenceOptions(options), HasSubstr("presenceTtlMs"));
  EXPECT_THROW(RedisPresence{options}, std::invalid_argument);
}

}  // namespace
}  // namespace spread::plugins::redis::testing
