// Proves the in-process presence on its own, with plain sinks and no sessions: who joins and
// leaves which topic, the members frame a watcher gets first and the join and leave frames after
// it, the bound on a list, distinct ids, and a leave made from inside a sink (a session that
// its presence frame dropped as a slow consumer).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "spread/transport/in_process_presence.h"

namespace spread::transport {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Recorder {
  std::vector<std::string> frames;
  PresenceSink sink() {
    return [this](std::string json) { frames.push_back(std::move(json)); };
  }
};

TEST(InProcessPresenceTest, ListsMembersInJoinOrderAndForgetsThemWhenTheyLeave) {
  InProcessPresence presence;
  const std::string ann = presence.join("chat", "ann", nullptr);
  const std::string bob = presence.join("chat", "bob", nullptr);
  presence.join("other", "cid", nullptr);

  PresenceList list = presence.listNow("chat", Presence::kMembersListedMax);
  ASSERT_EQ(list.members.size(), 2u);
  EXPECT_EQ(list.count, 2u);
  EXPECT_FALSE(list.truncated);
  EXPECT_EQ(list.members[0].id, ann);
  EXPECT_EQ(list.members[0].name, "ann");
  EXPECT_EQ(list.members[1].id, bob);
  EXPECT_EQ(presence.entries(), 3u);

  presence.leave("chat", ann);
  presence.leave("chat", ann);  // twice: nothing more happens
  list = presence.listNow("chat", Presence::kMembersListedMax);
  ASSERT_EQ(list.members.size(), 1u);
  EXPECT_EQ(list.members[0].name, "bob");
  presence.leave("chat", bob);
  EXPECT_EQ(presence.listNow("chat", 10).count, 0u);
  EXPECT_EQ(presence.entries(), 1u);
}

TEST(InProcessPresenceTest, AListShowsAtMostWhatWasAskedAndSaysItIsTruncated) {
  InProcessPresence presence;
  for (int i = 0; i < 7; ++i) presence.join("chat", "user" + std::to_string(i), nullptr);
  const PresenceList list = presence.listNow("chat", 5);
  EXPECT_EQ(list.members.size(), 5u);
  EXPECT_EQ(list.count, 7u);
  EXPECT_TRUE(list.truncated);
  EXPECT_EQ(list.members.back().name, "user4");
}

TEST(InProcessPresenceTest, IdsAreDistinctAndLookRandom) {
  InProcessPresence presence;
  std::set<std::string> ids;
  for (int i = 0; i < 200; ++i) ids.insert(presence.join("chat", "same", nullptr));
  EXPECT_EQ(ids.size(), 200u);
  for (const std::string& id : ids) EXPECT_EQ(id.size(), 11u) << id;
  // Consecutive joins share no long prefix, as counted ids would.
  const std::string first = *ids.begin();
  EXPECT_NE(first.substr(0, 8), std::next(ids.begin())->substr(0, 8));
}

TEST(InProcessPresenceTest, AnOldIdNeverNamesTheMemberThatTookItsPlace) {
  InProcessPresence presence;
  const std::string gone = presence.join("chat", "ann", nullptr);
  presence.leave("chat", gone);
  const std::string next = presence.join("chat", "bob", nullptr);  // reuses the freed place
  EXPECT_NE(next, gone);
  presence.leave("chat", gone);
  presence.leave("other", next);  // the right id, the wrong topic
  ASSERT_EQ(presence.listNow("chat", 10).count, 1u);
  EXPECT_EQ(presence.listNow("chat", 10).members[0].id, next);
}

TEST(InProcessPresenceTest, IdsItDidNotMakeChangeNothing) {
  InProcessPresence presence;
  const std::string ann = presence.join("chat", "ann", nullptr);
  InProcessPresence elsewhere;  // another process's key
  const std::string foreign = elsewhere.join("chat", "eve", nullptr);
  for (const std::string& id : {std::string(), std::string("x"), std::string("___________"), std::string("AAAAAAAAAA*"),
                                ann + "A", foreign}) {
    presence.leave("chat", id);
  }
  EXPECT_EQ(presence.listNow("chat", 10).count, 1u);
  EXPECT_EQ(presence.entries(), 1u);
}

TEST(InProcessPresenceTest, AWatcherGetsTheMembersFirstThenJoinsAndLeavesOfOthers) {
  InProcessPresence presence;
  const std::string ann = presence.join("chat", "ann", nullptr);
  Recorder watcher;
  const std::string self = presence.join("chat", "bob", watcher.sink());
  ASSERT_EQ(watcher.frames.size(), 1u);
  EXPECT_EQ(watcher.frames[0], R"({"presence":"members","self":")" + self + R"(","count":2,"members":[{"id":")" +
                                   ann + R"(","name":"ann"},{"id":")" + self +
                                   R"(","name":"bob"}],"truncated":false})");
  const std::string cid = presence.join("chat", "c\"d", nullptr);
  presence.join("elsewhere", "eve", nullptr);
  presence.leave("chat", ann);
  EXPECT_THAT(watcher.frames,
              ElementsAre(HasSubstr("members"), R"({"presence":"join","id":")" + cid + R"(","name":"c\"d"})",
                          R"({"presence":"leave","id":")" + ann + R"(","name":"ann"})"));
  presence.leave("chat", self);
  presence.leave("chat", cid);
  EXPECT_EQ(watcher.frames.size(), 3u);  // nothing after its own leave
}

TEST(InProcessPresenceTest, ASinkMayMakeAnotherMemberLeaveFromInsideItsCall) {
  InProcessPresence presence;
  std::string victim;
  // As a session whose queue is full: the frame drops it, and it leaves at once.
  victim = presence.join("chat", "slow", [&](std::string json) {
    if (json.find("\"join\"") != std::string::npos) presence.leave("chat", victim);
  });
  Recorder watcher;
  presence.join("chat", "watcher", watcher.sink());
  EXPECT_EQ(presence.listNow("chat", 10).count, 1u);
  // The watcher saw its own list (with the slow one still in it), then the slow one leave.
  ASSERT_EQ(watcher.frames.size(), 2u);
  EXPECT_THAT(watcher.frames[0], HasSubstr(R"("name":"slow")"));
  EXPECT_EQ(watcher.frames[1], R"({"presence":"leave","id":")" + victim + R"(","name":"slow"})");
}

TEST(InProcessPresenceTest, ListAnswersDuringTheCallAndMayAskAgainFromItsCallback) {
  InProcessPresence presence;
  presence.join("chat", "ann", nullptr);
  presence.join("chat", "bob", nullptr);
  int answers = 0;
  PresenceListing seen;
  presence.list("chat", 1, [&](PresenceListing listing) {
    ++answers;
    seen = std::move(listing);
    // Not under the presence's lock: asking again from here must not deadlock.
    EXPECT_EQ(presence.listNow("chat", 10).count, 2u);
  });
  EXPECT_EQ(answers, 1);
  EXPECT_TRUE(seen.ok());
  EXPECT_EQ(seen.list.count, 2u);
  ASSERT_EQ(seen.list.members.size(), 1u);
  EXPECT_EQ(seen.list.members[0].name, "ann");
  EXPECT_TRUE(seen.list.truncated);
}

TEST(InProcessPresenceTest, TheAnswerOfGetPresenceNamesTheTopic) {
  PresenceList list;
  list.members.push_back({"x1", "ann"});
  list.count = 3;
  list.truncated = true;
  EXPECT_EQ(presenceAnswerJson("chat", list),
            R"({"topic":"chat","count":3,"members":[{"id":"x1","name":"ann"}],"truncated":true})");
}

}  // namespace
}  // namespace spread::transport
