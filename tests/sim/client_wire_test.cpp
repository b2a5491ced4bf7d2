// Proves the simulated client's own wire readers, byte by byte with no network: readServerFrame
// takes every legal server frame whole and names each rule a malformed one breaks, never
// deciding on a proper prefix; encodeMaskedFrame's frames unmask to what was sent; and
// readHttpAnswer waits for a whole answer unless the stream has ended.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "client_wire.h"
#include "http_answer_reader.h"
#include "wire_bytes.h"

namespace spread::plugins::sim {
namespace {

using ::testing::HasSubstr;
using testing::ClientFrame;
using testing::closeBody;
using testing::serverFrame;
using testing::takeClientFrame;
using Status = ServerFrameRead::Status;

// Expects a violation whose sentence contains `words`.
void expectViolation(const std::string& bytes, const std::string& words) {
  const ServerFrameRead read = readServerFrame(bytes);
  EXPECT_EQ(read.status, Status::kViolation) << "expected a violation mentioning '" << words << "'";
  EXPECT_THAT(read.problem, HasSubstr(words));
}

// ---- readServerFrame: legal frames -------------------------------------------------------

TEST(ReadServerFrameTest, TakesATextFrameWithA7BitLengthAndLeavesWhatFollows) {
  // The frame's payload is a view into what was received: it must stay alive.
  const std::string received = serverFrame(kOpText, "hello") + "\x81";
  const ServerFrameRead read = readServerFrame(received);
  ASSERT_EQ(read.status, Status::kFrame) << read.problem;
  EXPECT_EQ(read.frame.opcode, kOpText);
  EXPECT_EQ(read.frame.payload, "hello");
  EXPECT_EQ(read.frame.wireBytes, 7u) << "the next frame's first byte is not taken";
}

TEST(ReadServerFrameTest, TakesTextFramesWith16And64BitLengthsAtTheirBoundaries) {
  for (const std::size_t size : {std::size_t{125}, std::size_t{126}, std::size_t{65535}, std::size_t{65536},
                                 std::size_t{70000}}) {
    const std::string payload(size, 'x');
    const std::string frame = serverFrame(kOpText, payload);
    const ServerFrameRead read = readServerFrame(frame);
    ASSERT_EQ(read.status, Status::kFrame) << size << ": " << read.problem;
    EXPECT_EQ(read.frame.payload.size(), size);
    const std::size_t header = size < 126 ? 2 : size <= 0xffff ? 4 : 10;
    EXPECT_EQ(read.frame.wireBytes, header + size) << size;
  }
}

TEST(ReadServerFrameTest, TakesEachControlFrameKindASpreadServerSends) {
  struct Case {
    int opcode;
    std::string payload;
  };
  const std::vector<Case> cases{
      {kOpPing, ""},
      {kOpPing, std::string(125, 'p')},
      {kOpPong, "abc"},
      {kOpClose, ""},
      {kOpClose, closeBody(1000)},
      {kOpClose, closeBody(1008, "too slow to keep up")},
      {kOpClose, closeBody(1001, "caf\xC3\xA9")},
  };
  for (const Case& c : cases) {
    const std::string frame = serverFrame(c.opcode, c.payload);
    const ServerFrameRead read = readServerFrame(frame);
    ASSERT_EQ(read.status, Status::kFrame) << "opcode " << c.opcode << ": " << read.problem;
    EXPECT_EQ(read.frame.opcode, c.opcode);
    EXPECT_EQ(read.frame.payload, c.payload);
  }
}

TEST(ReadServerFrameTest, TakesEveryCloseCodeAServerMaySend) {
  for (const std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000,
                                   4999}) {
    const std::string frame = serverFrame(kOpClose, closeBody(code, "r"));
    const ServerFrameRead read = readServerFrame(frame);
    EXPECT_EQ(read.status, Status::kFrame) << code << ": " << read.problem;
  }
}

// ---- readServerFrame: violations --------------------------------------------------------

TEST(ReadServerFrameTest, ReportsAMaskedFrame) {
  std::string frame = serverFrame(kOpText, "hi");
  frame[1] = static_cast<char>(frame[1] | 0x80);
  frame.insert(2, std::string("\x01\x02\x03\x04", 4));
  expectViolation(frame, "masked");
}

TEST(ReadServerFrameTest, ReportsEachRsvBit) {
  for (const int bit : {0x40, 0x20, 0x10}) {
    std::string frame = serverFrame(kOpText, "hi");
    frame[0] = static_cast<char>(frame[0] | bit);
    expectViolation(frame, "RSV");
  }
}

TEST(ReadServerFrameTest, ReportsBinaryContinuationAndUnknownOpcodes) {
  for (const int opcode : {0x0, 0x2, 0x3, 0x7, 0xB, 0xF}) {
    expectViolation(serverFrame(opcode, "x"), "opcode " + std::to_string(opcode));
  }
}

TEST(ReadServerFrameTest, ReportsAFragmentedFrame) {
  std::string frame = serverFrame(kOpText, "part");
  frame[0] = static_cast<char>(frame[0] & 0x7f);
  expectViolation(frame, "fragmented");
  std::string ping = serverFrame(kOpPing, "");
  ping[0] = static_cast<char>(ping[0] & 0x7f);
  expectViolation(ping, "fragmented");
}

TEST(ReadServerFrameTest, ReportsALengthThatFitsAShorterForm) {
  expectViolation(serverFrame(kOpText, std::string(125, 'x'), 2), "16-bit length 125 fits in 7 bits");
  expectViolation(serverFrame(kOpText, "", 2), "16-bit length 0");
  expectViolation(serverFrame(kOpText, std::string(65535, 'x'), 8), "64-bit length 65535 fits in 16 bits");
  expectViolation(serverFrame(kOpText, "x", 8), "64-bit length 1 fits in 16 bits");
}

TEST(ReadServerFrameTest, ReportsANonMinimalLengthFromItsHeaderAlone) {
  // The rule is broken by the header: no need to wait for the payload it announces.
  expectViolation(serverFrame(kOpText, std::string(100, 'x'), 2).substr(0, 4), "fits in 7 bits");
  expectViolation(serverFrame(kOpText, std::string(1000, 'x'), 8).substr(0, 10), "fits in 16 bits");
}

TEST(ReadServerFrameTest, ReportsA64BitLengthWithItsTopBitSet) {
  std::string header("\x81\x7f", 2);
  header += static_cast<char>(0x80);
  header += std::string(7, '\0');
  expectViolation(header, "most significant bit");
}

TEST(ReadServerFrameTest, ReportsAControlFrameOver125BytesFromItsHeader) {
  for (const int opcode : {kOpPing, kOpPong, kOpClose}) {
    const std::string frame = serverFrame(opcode, std::string(126, 'c'));
    expectViolation(frame, "at most 125");
    expectViolation(frame.substr(0, 4), "at most 125");
  }
}

TEST(ReadServerFrameTest, ReportsACloseFrameWithAOneBytePayload) {
  expectViolation(serverFrame(kOpClose, std::string(1, '\x03')), "one-byte payload");
}

TEST(ReadServerFrameTest, ReportsCloseCodesAServerMayNotSend) {
  for (const std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    expectViolation(serverFrame(kOpClose, closeBody(code)), "code " + std::to_string(code));
  }
}

TEST(ReadServerFrameTest, ReportsACloseReasonThatIsNotUtf8) {
  expectViolation(serverFrame(kOpClose, closeBody(1000, "bad \xFF")), "UTF-8");
  expectViolation(serverFrame(kOpClose, closeBody(1000, "\xC3")), "UTF-8");  // cut short
}

// ---- readServerFrame and bytesToCompleteFrame on prefixes --------------------------------

std::vector<std::string> validFrames() {
  return {
      serverFrame(kOpText, ""),
      serverFrame(kOpText, "hello"),
      serverFrame(kOpText, std::string(300, 't')),
      serverFrame(kOpText, std::string(70000, 'T')),
      serverFrame(kOpPing, "ping"),
      serverFrame(kOpClose, closeBody(1008, "too slow to keep up")),
  };
}

std::size_t headerBytes(const std::string& frame) {
  const unsigned length7 = static_cast<unsigned char>(frame[1]) & 0x7f;
  return length7 == 126 ? 4 : length7 == 127 ? 10 : 2;
}

TEST(ReadServerFrameTest, EveryProperPrefixOfAValidFrameIsIncomplete) {
  for (const std::string& frame : validFrames()) {
    for (std::size_t size = 0; size < frame.size(); ++size) {
      const ServerFrameRead read = readServerFrame(std::string_view(frame).substr(0, size));
      ASSERT_EQ(read.status, Status::kIncomplete)
          << "a prefix of " << size << " of a " << frame.size() << "-byte frame: " << read.problem;
    }
    EXPECT_EQ(readServerFrame(frame).status, Status::kFrame);
  }
}

TEST(BytesToCompleteFrameTest, SaysHowManyBytesTheHeaderThenThePayloadStillNeed) {
  for (const std::string& frame : validFrames()) {
    const std::size_t header = headerBytes(frame);
    for (std::size_t size = 0; size < frame.size(); ++size) {
      const std::size_t expected = size < 2 ? 2 - size : size < header ? header - size : frame.size() - size;
      ASSERT_EQ(bytesToCompleteFrame(std::string_view(frame).substr(0, size)), expected)
          << "a prefix of " << size << " of a " << frame.size() << "-byte frame";
    }
    EXPECT_EQ(bytesToCompleteFrame(frame), 1u) << "at least 1, even for a whole frame";
  }
}

TEST(BytesToCompleteFrameTest, TakingWhatItAsksForReachesTheFrameExactly) {
  // As a client gathering a frame larger than its window does: never a byte of the next one.
  for (const std::string& frame : validFrames()) {
    const std::string stream = frame + serverFrame(kOpText, "next");
    std::string gathered;
    int steps = 0;
    while (readServerFrame(gathered).status == Status::kIncomplete && steps++ < 10) {
      gathered.append(stream, gathered.size(), bytesToCompleteFrame(gathered));
    }
    EXPECT_EQ(gathered, frame);
    EXPECT_LE(steps, 3) << "the header's first bytes, the rest of the header, the payload";
  }
}

// ---- encodeMaskedFrame ------------------------------------------------------------------

// Unmasks a whole client frame, by hand.
ClientFrame unmask(const std::string& wire) {
  std::string bytes = wire;
  std::optional<ClientFrame> frame = takeClientFrame(bytes);
  EXPECT_TRUE(frame) << "not a whole frame";
  EXPECT_TRUE(bytes.empty()) << "bytes past the frame";
  return frame.value_or(ClientFrame{});
}

TEST(EncodeMaskedFrameTest, UnmasksToThePayloadWithEachLengthForm) {
  const std::array<unsigned char, 4> key{0x12, 0x34, 0xAB, 0xFF};
  for (const std::size_t size : {std::size_t{0}, std::size_t{5}, std::size_t{125}, std::size_t{126},
                                 std::size_t{65535}, std::size_t{65536}}) {
    std::string payload;
    for (std::size_t i = 0; i < size; ++i) payload += static_cast<char>('a' + i % 26);
    const std::string wire = encodeMaskedFrame(kOpText, payload, key);
    const ClientFrame frame = unmask(wire);
    EXPECT_TRUE(frame.fin);
    EXPECT_TRUE(frame.masked);
    EXPECT_EQ(frame.opcode, kOpText);
    EXPECT_EQ(frame.key, key);
    EXPECT_EQ(frame.payload, payload) << size;
    EXPECT_EQ(frame.wireBytes, wire.size()) << size;
    const std::size_t header = size < 126 ? 2 : size <= 0xffff ? 4 : 10;
    EXPECT_EQ(wire.size(), header + 4 + size) << "the shortest length form for " << size;
    if (size > 0) {
      EXPECT_NE(wire.substr(header + 4), payload) << "the payload goes masked";
    }
  }
}

TEST(EncodeMaskedFrameTest, PutsTheCloseCodeBeforeTheReason) {
  const std::array<unsigned char, 4> key{9, 8, 7, 6};
  const ClientFrame close = unmask(encodeMaskedFrame(kOpClose, "client left", key, 1000));
  EXPECT_EQ(close.opcode, kOpClose);
  EXPECT_EQ(close.payload, closeBody(1000, "client left"));
  const ClosePayload read = readClosePayload(close.payload);
  EXPECT_EQ(read.code, 1000);
  EXPECT_EQ(read.reason, "client left");

  const ClientFrame pong = unmask(encodeMaskedFrame(kOpPong, "p!", key));
  EXPECT_EQ(pong.opcode, kOpPong);
  EXPECT_EQ(pong.payload, "p!");
}

TEST(ReadClosePayloadTest, ReadsNoCodeFromAnEmptyPayload) {
  EXPECT_EQ(readClosePayload("").code, 0);
  EXPECT_EQ(readClosePayload(closeBody(4001, "x")).code, 4001);
}

// ---- readHttpAnswer ---------------------------------------------------------------------

const std::string kSwitching =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

TEST(ReadHttpAnswerTest, ReadsA101HeadAndLeavesTheFramesBehindIt) {
  const std::string frames = serverFrame(kOpText, "first");
  const std::optional<HttpAnswerRead> answer = readHttpAnswer(kSwitching + frames, false);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 101);
  EXPECT_EQ(answer->error, "");
  EXPECT_EQ(answer->wireBytes, kSwitching.size());
}

TEST(ReadHttpAnswerTest, WaitsForTheWholeHead) {
  for (std::size_t size = 0; size < kSwitching.size(); ++size) {
    ASSERT_FALSE(readHttpAnswer(kSwitching.substr(0, size), false)) << size;
  }
}

TEST(ReadHttpAnswerTest, ReadsA204WithNoBody) {
  const std::string head = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
  const std::optional<HttpAnswerRead> answer = readHttpAnswer(head, false);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 204);
  EXPECT_EQ(answer->error, "");
  EXPECT_EQ(answer->wireBytes, head.size());
}

TEST(ReadHttpAnswerTest, WaitsForA503sJsonBodySplitAcrossArrivalsThenReadsItsError) {
  const std::string body = R"({"error":"server shutting down"})";
  const std::string whole = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                            "content-length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::size_t bodyStart = whole.size() - body.size();
  // What has arrived grows one byte at a time; only the last arrival completes it.
  for (std::size_t size = 0; size < whole.size(); ++size) {
    ASSERT_FALSE(readHttpAnswer(whole.substr(0, size), false))
        << size << " of " << whole.size() << (size >= bodyStart ? " (the head is whole)" : "");
  }
  const std::optional<HttpAnswerRead> answer = readHttpAnswer(whole, false);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 503);
  EXPECT_EQ(answer->error, "server shutting down");
  EXPECT_EQ(answer->wireBytes, whole.size());
}

TEST(ReadHttpAnswerTest, AnEndedStreamAnswersWithWhatArrived) {
  const std::string head = "HTTP/1.1 400 Bad Request\r\nContent-Length: 40\r\n\r\n";
  const std::string partBody = R"({"error":"bad)";
  EXPECT_FALSE(readHttpAnswer(head + partBody, false)) << "the body is still coming";
  const std::optional<HttpAnswerRead> answer = readHttpAnswer(head + partBody, true);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_EQ(answer->error, partBody) << "not JSON: the body itself stands for the error";
  EXPECT_EQ(answer->wireBytes, head.size() + partBody.size());
}

TEST(ReadHttpAnswerTest, AnEndedStreamWithAnIncompleteHeadReadsAsStatus0) {
  const std::optional<HttpAnswerRead> answer = readHttpAnswer("HTTP/1.1 50", true);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 0);
  EXPECT_THAT(answer->error, HasSubstr("incomplete"));
  EXPECT_FALSE(readHttpAnswer("", true)) << "nothing arrived: no answer at all";
}

TEST(ReadHttpAnswerTest, AHeadThatIsNotAnHttp11StatusLineReadsAsStatus0) {
  const std::optional<HttpAnswerRead> answer = readHttpAnswer("SSH-2.0-x\r\n\r\n", false);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 0);
}

}  // namespace
}  // namespace spread::plugins::sim
