#include "event_stream.h"

#include <gtest/gtest.h>

#include "sse_connection.h"
#include "spread/transport/message_position.h"

namespace spread::plugins::sse {
namespace {

TEST(EventStreamTest, AnIdCarriesTheEpochAsSixteenHexDigitsAndTheOffsetInDecimal) {
  EXPECT_EQ(eventId(EventPosition{0xab, 42}), "00000000000000ab-42");
  EXPECT_EQ(eventId(EventPosition{~0ull, ~0ull}), "ffffffffffffffff-18446744073709551615");
}

TEST(EventStreamTest, LastEventIdReadsBackEveryIdWritten) {
  for (const EventPosition position : {EventPosition{0, 0}, EventPosition{0xab, 42}, EventPosition{~0ull, ~0ull}}) {
    const LastEventId read = readLastEventId(eventId(position));
    ASSERT_TRUE(read.position) << eventId(position);
    EXPECT_EQ(*read.position, position);
  }
  EXPECT_EQ(readLastEventId("AB-7").position, (EventPosition{0xab, 7}));
}

TEST(EventStreamTest, AMalformedLastEventIdIsAnErrorNamingTheHeader) {
  for (const char* bad : {"", "ab", "ab-", "-1", "ab-1x", "ab- 1", " ab-1", "+ab-1", "ab-+1", "0xab-1", "ab--1",
                          "0123456789abcdef0-1", "ab-18446744073709551616", "ab-1\n", "g-1"}) {
    const LastEventId read = readLastEventId(bad);
    EXPECT_FALSE(read.position) << bad;
    ASSERT_TRUE(read.error) << bad;
    EXPECT_NE(read.error->find("Last-Event-ID"), std::string::npos);
  }
}

TEST(EventStreamTest, ThePositionStampedOnAChatMessageIsFoundAgain) {
  std::string json = R"({"name":"a","msg":"hi \"offset\":1"})";
  transport::stampChatPosition(json, 17, 0xfeed);
  EXPECT_EQ(stampedPosition(json), (EventPosition{0xfeed, 17}));
  EXPECT_FALSE(stampedPosition(R"({"name":"a","msg":"hi"})"));
  EXPECT_FALSE(stampedPosition(R"({"offset":x,"epoch":"000000000000feed"})"));
  EXPECT_FALSE(stampedPosition(R"({"offset":1,"epoch":"00000000000zfeed"})"));
  EXPECT_FALSE(stampedPosition("not json"));
}

TEST(EventStreamTest, DataIsOneLinePerLineOfTheTextWhateverTheLineBreak) {
  std::string out;
  appendData(out, "a\nb\r\nc\rd");
  EXPECT_EQ(out, "data: a\ndata: b\ndata: c\ndata: d\n");
  out.clear();
  appendData(out, "");
  EXPECT_EQ(out, "data: \n");
  out.clear();
  appendData(out, "end\n");
  EXPECT_EQ(out, "data: end\ndata: \n");  // read back as "end\n", as the standard joins data lines
  out.clear();
  appendData(out, "ünïcode ✓");
  EXPECT_EQ(out, "data: ünïcode ✓\n");  // UTF-8 goes through as it is
}

TEST(EventStreamTest, ANamedEventEndsWithABlankLine) {
  EXPECT_EQ(namedEvent("resume", R"({"resume":"ok"})"), "event: resume\ndata: {\"resume\":\"ok\"}\n\n");
}

TEST(EventStreamTest, ASessionsTextIsNamedAfterItsFirstKey) {
  EXPECT_EQ(eventNameOf(R"({"resume":"impossible"})"), "resume");
  EXPECT_EQ(eventNameOf(R"({"error":"too fast"})"), "error");
  EXPECT_EQ(eventNameOf(R"({"a b":1})"), "message");
  EXPECT_EQ(eventNameOf("[]"), "message");
  EXPECT_EQ(eventNameOf(R"({"":1})"), "message");
}

}  // namespace
}  // namespace spread::plugins::sse
