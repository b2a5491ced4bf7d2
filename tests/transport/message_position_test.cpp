// Proves the wire form of a message's position: stamped into the chat JSON once, readable by
// a JSON parser beside the original fields, and epochs written and read as hex.
#include <gtest/gtest.h>

#include "spread/transport/chat_codec.h"
#include "spread/transport/message_position.h"

namespace spread::transport {
namespace {

TEST(MessagePositionTest, StampsOffsetAndEpochIntoTheChatObject) {
  std::string bytes = ChatCodec::encode({"ann", "hi"});
  stampChatPosition(bytes, 42, 0xabcdef);
  EXPECT_EQ(bytes, R"({"name":"ann","msg":"hi","offset":42,"epoch":"0000000000abcdef"})");
  const auto decoded = ChatCodec::decode(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded.value().msg, "hi");
}

TEST(MessagePositionTest, LeavesBytesThatAreNotAnObjectAlone) {
  for (std::string bytes : {std::string("plain"), std::string("[1]"), std::string("}")}) {
    const std::string before = bytes;
    stampChatPosition(bytes, 1, 1);
    EXPECT_EQ(bytes, before);
  }
  std::string empty = "{}";
  stampChatPosition(empty, 7, 0);
  EXPECT_EQ(empty, R"({"offset":7,"epoch":"0000000000000000"})");
}

TEST(MessagePositionTest, EpochsAreSixteenHexDigitsAndReadBack) {
  EXPECT_EQ(epochHex(0xffffffffffffffffULL), "ffffffffffffffff");
  EXPECT_EQ(readEpochHex("FFFFFFFFFFFFFFFF"), 0xffffffffffffffffULL);
  EXPECT_EQ(readEpochHex("ff"), 0xffu);
  EXPECT_EQ(readEpochHex(epochHex(123456789)), 123456789u);
  for (const char* bad : {"", "g", "0x1f", "-1", "+1", "1 ", "11111111111111111"}) {
    EXPECT_FALSE(readEpochHex(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace spread::transport
