// How the client reads spreadd's text frames: a message, an error frame, the answer to a token
// refresh, and anything else, which is never taken for a message.
#include "server_frame.h"

#include <gtest/gtest.h>

namespace spread::client {
namespace {

using Kind = ServerFrame::Kind;

TEST(ServerFrameTest, AMessageGivesItsNameAndText) {
  const ServerFrame frame = readServerFrame(R"({"name":"ann","msg":"caf\u00e9 \"x\""})");
  EXPECT_EQ(frame.kind, Kind::kMessage);
  EXPECT_EQ(frame.name, "ann");
  EXPECT_EQ(frame.msg, "caf\xC3\xA9 \"x\"");
}

TEST(ServerFrameTest, AMessageWithAPositionGivesItsOffsetAndEpoch) {
  const ServerFrame frame = readServerFrame(R"({"name":"ann","msg":"hi","offset":42,"epoch":"00000000000000ab"})");
  EXPECT_EQ(frame.kind, Kind::kMessage);
  EXPECT_EQ(frame.msg, "hi");
  EXPECT_EQ(frame.offset, 42u);
  EXPECT_EQ(frame.epoch, "00000000000000ab");
  const ServerFrame bad = readServerFrame(R"({"name":"ann","msg":"hi","offset":-3,"epoch":"x"})");
  EXPECT_EQ(bad.kind, Kind::kMessage);
  EXPECT_EQ(bad.offset, 0u);
  EXPECT_EQ(bad.epoch, "");
}

TEST(ServerFrameTest, AnErrorFrameGivesItsError) {
  const ServerFrame frame = readServerFrame(R"({"error":"field 'msg': is required","field":"msg"})");
  EXPECT_EQ(frame.kind, Kind::kError);
  EXPECT_EQ(frame.text, "field 'msg': is required");
}

TEST(ServerFrameTest, TheTokenAnswerIsRecognised) {
  EXPECT_EQ(readServerFrame(R"({"token":"accepted"})").kind, Kind::kTokenAccepted);
  EXPECT_EQ(readServerFrame(R"({"token":"other"})").kind, Kind::kUnknown);
}

TEST(ServerFrameTest, AnythingElseIsUnknownAndKeepsItsText) {
  for (const char* text : {"", "not json", "[1,2]", R"({"name":"ann"})", R"({"name":1,"msg":"x"})", "{\"name\":"}) {
    const ServerFrame frame = readServerFrame(text);
    EXPECT_EQ(frame.kind, Kind::kUnknown) << text;
    EXPECT_EQ(frame.text, text);
  }
}

}  // namespace
}  // namespace spread::client
