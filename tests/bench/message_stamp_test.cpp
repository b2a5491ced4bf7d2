// Proves spread-bench reads back exactly the stamp it wrote into a message, finds the
// "msg" field in the JSON a server sends whatever its member order or spacing, and
// rejects text that is not a stamp instead of mistaking it for one.
#include <gtest/gtest.h>

#include "message_stamp.h"

namespace spread::bench {
namespace {

TEST(MessageStampTest, RoundTripsWithPadding) {
  const MessageStamp stamp{3, 1234, 1732700000123456};
  const std::string msg = formatStamp(stamp, 64);
  EXPECT_EQ(msg.size(), 64u);
  EXPECT_EQ(msg.rfind("p3 s1234 t1732700000123456 x", 0), 0u);
  EXPECT_EQ(parseStamp(msg), stamp);
}

TEST(MessageStampTest, ShortSizeAddsNoPadding) {
  EXPECT_EQ(formatStamp({0, 1, 5}, 4), "p0 s1 t5");
  EXPECT_EQ(parseStamp("p0 s1 t5"), (MessageStamp{0, 1, 5}));
}

TEST(MessageStampTest, RejectsWhatIsNotAStamp) {
  EXPECT_FALSE(parseStamp(""));
  EXPECT_FALSE(parseStamp("hello"));
  EXPECT_FALSE(parseStamp("p1 s2"));              // no time
  EXPECT_FALSE(parseStamp("p1 t2 s3"));           // wrong order
  EXPECT_FALSE(parseStamp("p1 s2x t3"));          // junk inside a number
  EXPECT_FALSE(parseStamp("p99999999999 s1 t1")); // publisher out of range
  EXPECT_FALSE(parseStamp("p s1 t1"));            // empty number
}

TEST(MessageStampTest, FindsMsgInServerJson) {
  EXPECT_EQ(findMsgField(R"({"name":"bench","msg":"p1 s2 t3"})"), "p1 s2 t3");
  EXPECT_EQ(findMsgField(R"({ "msg" : "p1 s2 t3", "name": "n" })"), "p1 s2 t3");
  // A name that is itself "msg" is a value, not the key.
  EXPECT_EQ(findMsgField(R"({"name":"msg","msg":"p1 s2 t3"})"), "p1 s2 t3");
  EXPECT_EQ(findMsgField(R"({"name":"a \"msg\": b","msg":"x"})"), "x");
  EXPECT_EQ(findMsgField(R"({"msg":"a\"b\\","name":"n"})"), R"(a\"b\\)");  // escaped quote, then escaped backslash
}

TEST(MessageStampTest, NoMsgFieldIsNotFound) {
  EXPECT_FALSE(findMsgField(R"({"name":"bench"})"));
  EXPECT_FALSE(findMsgField(R"({"msg":17})"));
  EXPECT_FALSE(findMsgField(R"({"msg":"unterminated)"));
}

}  // namespace
}  // namespace spread::bench
