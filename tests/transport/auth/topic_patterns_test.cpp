#include "spread/transport/auth/topic_patterns.h"

#include <gtest/gtest.h>

#include "spread/transport/auth/token_refresh.h"

namespace spread::transport::auth {
namespace {

TEST(TopicPatternsTest, NamesMatchExactlyAndPrefixesNeedSomethingAfterTheirDot) {
  TopicPatterns patterns;
  ASSERT_FALSE(patterns.add("chat"));
  ASSERT_FALSE(patterns.add("room.*"));
  EXPECT_TRUE(patterns.allows("chat"));
  EXPECT_FALSE(patterns.allows("chat2"));
  EXPECT_FALSE(patterns.allows("cha"));
  EXPECT_TRUE(patterns.allows("room.a"));
  EXPECT_TRUE(patterns.allows("room.a.b"));
  EXPECT_FALSE(patterns.allows("room."));
  EXPECT_FALSE(patterns.allows("room"));
  EXPECT_FALSE(patterns.allows("roomy.a"));
}

TEST(TopicPatternsTest, AStarAllowsEveryTopicAndNothingAllowsNothing) {
  TopicPatterns none;
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.allows("chat"));
  TopicPatterns all;
  ASSERT_FALSE(all.add("*"));
  EXPECT_TRUE(all.allows("anything.at-all"));
}

TEST(TopicPatternsTest, EntriesThatAreNeitherNamesNorPatternsAreRefusedWithTheReason) {
  TopicPatterns patterns;
  EXPECT_EQ(patterns.add("two words").value_or(""),
            "'two words' is not a topic name or pattern (name, prefix.* or *): topic name has a character "
            "outside [A-Za-z0-9._-] at position 3");
  EXPECT_EQ(patterns.add(".*").value_or(""), "'.*' is not a valid prefix.* pattern: topic name must not be empty");
  EXPECT_EQ(patterns.add("a*").value_or("").rfind("'a*' is not a topic name", 0), 0u);
  EXPECT_TRUE(patterns.empty());
}

TEST(TokenRefreshTest, OnlyAnObjectWithATokenStringAndNoMsgIsARefresh) {
  EXPECT_EQ(readTokenRefresh(R"({"token":"abc.def.ghi"})"), "abc.def.ghi");
  EXPECT_EQ(readTokenRefresh(R"(  {"token": "t", "extra": 1})"), "t");
  EXPECT_EQ(readTokenRefresh(R"({"name":"a","msg":"my token"})"), std::nullopt);
  EXPECT_EQ(readTokenRefresh(R"({"token":"t","msg":"both"})"), std::nullopt);
  EXPECT_EQ(readTokenRefresh(R"({"token":5})"), std::nullopt);
  EXPECT_EQ(readTokenRefresh(R"(["token"])"), std::nullopt);
  EXPECT_EQ(readTokenRefresh(R"({"token":)"), std::nullopt);
}

}  // namespace
}  // namespace spread::transport::auth
