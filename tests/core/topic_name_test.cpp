// Proves the topic name syntax: 1 to 64 characters from [A-Za-z0-9._-], not starting with
// '.' or '-', and that every refusal is a sentence naming the problem (and the position
// of a bad character).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "spread/core/topic_name.h"

namespace spread::core {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

TEST(TopicNameTest, AcceptsEveryAllowedCharacter) {
  EXPECT_EQ(checkTopicName("chat"), std::nullopt);
  EXPECT_EQ(checkTopicName("a"), std::nullopt);
  EXPECT_EQ(checkTopicName("ABCXYZabcxyz0189._-"), std::nullopt);
  EXPECT_EQ(checkTopicName("_private"), std::nullopt);
  EXPECT_EQ(checkTopicName("9lives"), std::nullopt);
  EXPECT_EQ(checkTopicName("room.1-b_c"), std::nullopt);
}

TEST(TopicNameTest, AcceptsExactlyTheMaximumLength) {
  EXPECT_EQ(checkTopicName(std::string(kTopicNameBytesMax, 'x')), std::nullopt);
}

TEST(TopicNameTest, RejectsEmptyName) {
  EXPECT_THAT(checkTopicName(""), Optional(HasSubstr("empty")));
}

TEST(TopicNameTest, RejectsOneCharacterTooLongAndSaysTheLimit) {
  EXPECT_THAT(checkTopicName(std::string(kTopicNameBytesMax + 1, 'x')),
              Optional(HasSubstr("longer than 64")));
}

TEST(TopicNameTest, RejectsLeadingDotOrDash) {
  EXPECT_THAT(checkTopicName(".hidden"), Optional(HasSubstr("must not start with")));
  EXPECT_THAT(checkTopicName("-flag"), Optional(HasSubstr("must not start with")));
  EXPECT_THAT(checkTopicName(".."), Optional(HasSubstr("must not start with")));
}

TEST(TopicNameTest, NamesThePositionOfTheFirstBadCharacter) {
  EXPECT_THAT(checkTopicName("a b"), Optional(HasSubstr("position 1")));
  EXPECT_THAT(checkTopicName("chat/room"), Optional(HasSubstr("position 4")));
  EXPECT_THAT(checkTopicName("ok?"), Optional(HasSubstr("position 2")));
}

TEST(TopicNameTest, RejectsCharactersJustOutsideEachAllowedRange) {
  // The neighbours of each range in ASCII: '/' ':' '@' '[' '`' '{', and one non-ASCII byte.
  for (const char* name : {"a/", "a:", "a@", "a[", "a`", "a{", "a\xc3\xa9", "a\0b"}) {
    std::string text(name, name[1] == '\0' ? 3 : std::char_traits<char>::length(name));
    EXPECT_THAT(checkTopicName(text), Optional(HasSubstr("outside [A-Za-z0-9._-]"))) << text;
  }
}

}  // namespace
}  // namespace spread::core
