// Proves the frame parser enforces every RFC 6455 rule the transport relies on, with no
// sockets: each test feeds client-encoded bytes (whole, or one byte at a time) and checks
// the events it reports, including the close code and reason for each violation.
#include <gtest/gtest.h>

#include "client_frames.h"
#include "ws/frame_parser.h"

namespace spread::plugins::websocket {
namespace {

using testing::clientFrame;
using testing::closePayload;
using testing::FrameSpec;
using testing::textFrame;
using transport::CloseCode;
using Kind = ParsedEvent::Kind;

constexpr std::size_t kLimit = 1024;

std::vector<ParsedEvent> parse(const std::string& bytes, std::size_t limit = kLimit) {
  FrameParser parser(limit);
  std::vector<ParsedEvent> events;
  parser.feed(bytes, events);
  return events;
}

std::vector<ParsedEvent> parseByteByByte(const std::string& bytes) {
  FrameParser parser(kLimit);
  std::vector<ParsedEvent> events;
  for (char byte : bytes) parser.feed(std::string_view(&byte, 1), events);
  return events;
}

// Asserts the stream failed with `code`, and that the reason mentions `reasonPart`.
void expectFailure(const std::vector<ParsedEvent>& events, CloseCode code, const std::string& reasonPart) {
  ASSERT_FALSE(events.empty());
  const ParsedEvent& last = events.back();
  ASSERT_EQ(last.kind, Kind::kFailure) << "last event was not a failure";
  EXPECT_EQ(last.failCode, code);
  EXPECT_NE(last.payload.find(reasonPart), std::string::npos) << "reason: " << last.payload;
}

TEST(FrameParserTest, ParsesAMaskedTextFrame) {
  const auto events = parse(textFrame("hello"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kText);
  EXPECT_EQ(events[0].payload, "hello");
}

TEST(FrameParserTest, ParsesFramesSplitAtEveryByte) {
  const std::string big(300, 'x');  // a 16-bit extended length
  const auto events = parseByteByByte(textFrame("one") + textFrame(big) + textFrame(""));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].payload, "one");
  EXPECT_EQ(events[1].payload, big);
  EXPECT_EQ(events[2].payload, "");
}

TEST(FrameParserTest, ParsesA64BitLength) {
  const std::string big(70000, 'y');
  const auto events = parse(textFrame(big), 100000);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, big);
}

TEST(FrameParserTest, CountsEveryCompleteFrame) {
  FrameParser parser(kLimit);
  std::vector<ParsedEvent> events;
  const std::string frames = clientFrame({Opcode::kPing, "p"}) + clientFrame({Opcode::kPong, ""}) + textFrame("t");
  parser.feed(frames.substr(0, frames.size() - 1), events);
  EXPECT_EQ(parser.framesSeen(), 2u);
  parser.feed(frames.substr(frames.size() - 1), events);
  EXPECT_EQ(parser.framesSeen(), 3u);
}

TEST(FrameParserTest, ReassemblesFragments) {
  const auto events = parseByteByByte(clientFrame({Opcode::kText, "frag", false}) +
                                      clientFrame({Opcode::kContinuation, "men", false}) +
                                      clientFrame({Opcode::kContinuation, "ted", true}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, "fragmented");
}

TEST(FrameParserTest, HandlesControlFramesBetweenFragments) {
  const auto events = parse(clientFrame({Opcode::kText, "a", false}) + clientFrame({Opcode::kPing, "mid"}) +
                            clientFrame({Opcode::kContinuation, "b", true}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kPing);
  EXPECT_EQ(events[0].payload, "mid");
  EXPECT_EQ(events[1].kind, Kind::kText);
  EXPECT_EQ(events[1].payload, "ab");
}

TEST(FrameParserTest, ReportsPingPayloadAndPong) {
  const auto events = parse(clientFrame({Opcode::kPing, "are you there"}) + clientFrame({Opcode::kPong, "yes"}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::kPing);
  EXPECT_EQ(events[0].payload, "are you there");
  EXPECT_EQ(events[1].kind, Kind::kPong);
}

TEST(FrameParserTest, RefusesUnmaskedFrames) {
  expectFailure(parse(clientFrame({Opcode::kText, "hi", true, 0, false})), CloseCode::kProtocolError, "masked");
}

TEST(FrameParserTest, RefusesReservedBits) {
  for (std::uint8_t rsv : {1, 2, 4}) {
    expectFailure(parse(clientFrame({Opcode::kText, "hi", true, rsv})), CloseCode::kProtocolError, "reserved");
  }
}

TEST(FrameParserTest, RefusesUnknownOpcodes) {
  for (unsigned opcode : {3u, 7u, 0xBu, 0xFu}) {
    expectFailure(parse(clientFrame({static_cast<Opcode>(opcode), "x"})), CloseCode::kProtocolError,
                  "unknown opcode " + std::to_string(opcode));
  }
}

TEST(FrameParserTest, RefusesOversizedControlFrames) {
  expectFailure(parse(clientFrame({Opcode::kPing, std::string(126, 'p')})), CloseCode::kProtocolError, "125");
}

TEST(FrameParserTest, RefusesFragmentedControlFrames) {
  expectFailure(parse(clientFrame({Opcode::kPing, "p", false})), CloseCode::kProtocolError, "fragmented");
}

TEST(FrameParserTest, RefusesContinuationWithoutStart) {
  expectFailure(parse(clientFrame({Opcode::kContinuation, "x"})), CloseCode::kProtocolError, "continuation");
}

TEST(FrameParserTest, RefusesNewDataFrameInsideFragmentedMessage) {
  expectFailure(parse(clientFrame({Opcode::kText, "a", false}) + textFrame("b")), CloseCode::kProtocolError,
                "inside a fragmented message");
}

TEST(FrameParserTest, RefusesBinaryMessages) {
  expectFailure(parse(clientFrame({Opcode::kBinary, "\x01\x02"})), CloseCode::kUnsupportedData, "binary");
}

TEST(FrameParserTest, RefusesInvalidUtf8AsSoonAsItArrives) {
  // The bad byte is in the first fragment; the message never finishes.
  const auto events = parse(clientFrame({Opcode::kText, "ok\xC0\xAF", false}));
  expectFailure(events, CloseCode::kInvalidPayload, "UTF-8");
}

TEST(FrameParserTest, AcceptsUtf8SplitAcrossFragments) {
  const std::string euro = "\xE2\x82\xAC";
  const auto events = parse(clientFrame({Opcode::kText, euro.substr(0, 1), false}) +
                            clientFrame({Opcode::kContinuation, euro.substr(1), true}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, euro);
}

TEST(FrameParserTest, RefusesTextEndingInsideASequence) {
  expectFailure(parse(textFrame("\xE2\x82")), CloseCode::kInvalidPayload, "UTF-8");
}

// The injected fault (core::InjectedFaults::parserAcceptsBadUtf8) undoes the three tests
// above: bad bytes, in one frame, across fragments or cut short, pass as text.
TEST(FrameParserTest, WithTheAcceptsBadUtf8FaultPassesInvalidTextOnWithout1007) {
  for (const std::string& bytes : {textFrame("\xFF"), clientFrame({Opcode::kText, "ok\xC0\xAF", false}) +
                                                           clientFrame({Opcode::kContinuation, "!", true}),
                                   textFrame("\xE2\x82")}) {
    expectFailure(parse(bytes), CloseCode::kInvalidPayload, "UTF-8");
    FrameParser faulty(kLimit, true);
    std::vector<ParsedEvent> events;
    faulty.feed(bytes + textFrame("next"), events);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, Kind::kText);
    EXPECT_EQ(events[1].payload, "next");
    EXPECT_FALSE(faulty.stopped());
  }
  FrameParser faulty(kLimit, true);
  std::vector<ParsedEvent> events;
  faulty.feed(textFrame("\xFF"), events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, "\xFF");
}

TEST(FrameParserTest, RefusesAnOversizedFrameFromItsHeaderAlone) {
  const std::string frame = textFrame(std::string(kLimit + 1, 'z'));
  // Only the header (2 + 2 length + 4 mask bytes) is fed: nothing is buffered to decide.
  expectFailure(parse(frame.substr(0, 8)), CloseCode::kMessageTooBig, std::to_string(kLimit));
}

TEST(FrameParserTest, RefusesAnOversizedFragmentedMessage) {
  const std::string half(kLimit / 2 + 1, 'h');
  expectFailure(parse(clientFrame({Opcode::kText, half, false}) + clientFrame({Opcode::kContinuation, half})),
                CloseCode::kMessageTooBig, "exceeds");
}

TEST(FrameParserTest, AcceptsAMessageOfExactlyTheLimit) {
  const auto events = parse(textFrame(std::string(kLimit, 'k')));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kText);
}

TEST(FrameParserTest, RefusesALengthWithTheTopBitSet) {
  std::string frame = "\x81\xFF";
  frame += std::string("\x80\x00\x00\x00\x00\x00\x00\x01", 8);
  frame += "MASK";
  expectFailure(parse(frame), CloseCode::kProtocolError, "top bit");
}

TEST(FrameParserTest, ReportsACloseWithCodeAndReason) {
  const auto events = parse(clientFrame({Opcode::kClose, closePayload(1000, "bye")}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kClose);
  EXPECT_EQ(events[0].peerCode, 1000);
  EXPECT_EQ(events[0].payload, "bye");
}

TEST(FrameParserTest, ReportsACloseWithoutCode) {
  const auto events = parse(clientFrame({Opcode::kClose, ""}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::kClose);
  EXPECT_EQ(events[0].peerCode, 0);
}

TEST(FrameParserTest, RefusesACloseWithAOneBytePayload) {
  expectFailure(parse(clientFrame({Opcode::kClose, "\x03"})), CloseCode::kProtocolError, "1-byte");
}

TEST(FrameParserTest, RefusesInvalidCloseCodes) {
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}) {
    expectFailure(parse(clientFrame({Opcode::kClose, closePayload(code)})), CloseCode::kProtocolError,
                  "invalid close code " + std::to_string(code));
  }
  for (std::uint16_t code : {1000, 1001, 1003, 1011, 3000, 4999}) {
    EXPECT_EQ(parse(clientFrame({Opcode::kClose, closePayload(code)})).back().kind, Kind::kClose) << code;
  }
}

TEST(FrameParserTest, RefusesACloseReasonThatIsNotUtf8) {
  // RFC 6455 section 8.1: data that is not UTF-8 where text is expected fails with 1007.
  expectFailure(parse(clientFrame({Opcode::kClose, closePayload(1000, "\xFF")})), CloseCode::kInvalidPayload, "UTF-8");
}

TEST(FrameParserTest, IgnoresInputAfterCloseOrFailure) {
  FrameParser parser(kLimit);
  std::vector<ParsedEvent> events;
  parser.feed(clientFrame({Opcode::kClose, ""}) + textFrame("late"), events);
  EXPECT_TRUE(parser.stopped());
  parser.feed(textFrame("later"), events);
  ASSERT_EQ(events.size(), 1u);

  FrameParser failed(kLimit);
  std::vector<ParsedEvent> failures;
  failed.feed(clientFrame({Opcode::kText, "x", true, 0, false}) + textFrame("after"), failures);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].kind, Kind::kFailure);
}

}  // namespace
}  // namespace spread::plugins::websocket
