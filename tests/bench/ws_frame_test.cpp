// Proves spread-bench's WebSocket framing: headers use the shortest length form, client
// frames are masked so that unmasking restores the payload, and the server-frame parser
// waits for incomplete input and refuses frames a server must not send.
#include <gtest/gtest.h>

#include "ws_frame.h"

namespace spread::bench {
namespace {

std::string header(std::size_t size) {
  std::string out;
  appendFrameHeader(out, Opcode::kText, size, true, false, 0);
  return out;
}

TEST(WsFrameTest, HeaderUsesShortestLengthForm) {
  EXPECT_EQ(header(125), std::string("\x81\x7D", 2));
  EXPECT_EQ(header(126), std::string("\x81\x7E\x00\x7E", 4));
  EXPECT_EQ(header(65536), std::string("\x81\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10));
}

TEST(WsFrameTest, ClientFrameIsMaskedAndUnmasksToPayload) {
  std::string frame;
  appendClientFrame(frame, Opcode::kText, "hello", 0x01020304);
  ASSERT_EQ(frame.size(), 2u + 4u + 5u);
  EXPECT_EQ(static_cast<unsigned char>(frame[1]), 0x80 | 5);
  const std::string key = frame.substr(2, 4);
  std::string payload = frame.substr(6);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ key[i % 4]);
  EXPECT_EQ(payload, "hello");
}

TEST(WsFrameTest, ParsesServerFramesAndWaitsForMore) {
  std::string bytes = header(3) + "abc" + header(200) + std::string(200, 'z');
  FrameView frame;
  std::string error;
  ASSERT_EQ(parseServerFrame(bytes, 1024, frame, error), ParseStatus::kFrame);
  EXPECT_EQ(frame.payload, "abc");
  EXPECT_EQ(frame.frameBytes, 5u);
  std::string_view rest = std::string_view(bytes).substr(frame.frameBytes);
  EXPECT_EQ(parseServerFrame(rest.substr(0, 3), 1024, frame, error), ParseStatus::kIncomplete);
  EXPECT_EQ(parseServerFrame(rest.substr(0, 100), 1024, frame, error), ParseStatus::kIncomplete);
  ASSERT_EQ(parseServerFrame(rest, 1024, frame, error), ParseStatus::kFrame);
  EXPECT_EQ(frame.payload.size(), 200u);
}

TEST(WsFrameTest, RefusesFramesAServerMustNotSend) {
  FrameView frame;
  std::string error;
  std::string masked;
  appendClientFrame(masked, Opcode::kText, "x", 7);
  EXPECT_EQ(parseServerFrame(masked, 1024, frame, error), ParseStatus::kError);
  EXPECT_EQ(error, "server frame is masked");
  EXPECT_EQ(parseServerFrame(std::string("\xC1\x00", 2), 1024, frame, error), ParseStatus::kError);  // RSV1
  EXPECT_EQ(parseServerFrame(header(2000), 1024, frame, error), ParseStatus::kError);               // too long
  EXPECT_EQ(parseServerFrame(std::string("\x09\x00", 2), 1024, frame, error), ParseStatus::kError);  // fragmented ping
}

TEST(WsFrameTest, CloseCodeOfPayload) {
  EXPECT_EQ(closeCodeOf(std::string("\x03\xF0slow", 6)), 1008);
  EXPECT_EQ(closeCodeOf(""), 1005);
}

}  // namespace
}  // namespace spread::bench
