// Proves ScriptedWebSocket against a server played by hand: the test takes the server's side
// of a MemoryNetwork (read, write, shutdownWrite, close, on virtual time) and checks what the
// client sends back and reports, frame by frame, with exactly one end whatever ends it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/http_request_parser.h"
#include "http/topic_query.h"
#include "scripted_client_fixture.h"
#include "ws/handshake.h"

namespace spread::plugins::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ClientFrame;
using testing::closeBody;
using testing::jsonAnswer;
using testing::kSwitching;
using testing::ScriptedClientTest;
using testing::serverFrame;
using testing::takeClientFrame;
using transport::CloseCode;
using websocket::IoResult;
using namespace std::chrono_literals;

// ---- the upgrade -----------------------------------------------------------------------

TEST_F(ScriptedClientTest, SendsAnUpgradeRequestTheServersOwnParserAcceptsForItsTopic) {
  auto client = connect(instantLink(), "news.eu-1");
  websocket::HttpRequestParser parser;
  parser.feed(serverRead());
  websocket::HttpRequest request;
  ASSERT_EQ(parser.next(request), websocket::HttpRequestParser::Status::kRequest) << parser.error().message;
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.versionMinor, 1);
  EXPECT_EQ(websocket::readPath(request.target).path, "/subscribe");
  const websocket::TopicQuery topic = websocket::readTopic(request.target, "default");
  EXPECT_FALSE(topic.error);
  EXPECT_EQ(topic.topic, "news.eu-1");
  ASSERT_NE(request.header("Host"), nullptr);
  ASSERT_NE(request.header("Upgrade"), nullptr);
  ASSERT_NE(request.header("Connection"), nullptr);
  EXPECT_TRUE(websocket::asksForWebSocket(*request.header("Upgrade"), *request.header("Connection")));
  ASSERT_NE(request.header("Sec-WebSocket-Version"), nullptr);
  EXPECT_EQ(*request.header("Sec-WebSocket-Version"), "13");
  ASSERT_NE(request.header("Sec-WebSocket-Key"), nullptr);
  EXPECT_TRUE(websocket::acceptFor(*request.header("Sec-WebSocket-Key"))) << "the key is 16 bytes in base64";
  EXPECT_TRUE(request.body.empty());
  EXPECT_EQ(parser.takeBuffered(), "") << "nothing follows the request";
}

TEST_F(ScriptedClientTest, ItsTextFramesAreMaskedWithAFreshKeyEach) {
  auto client = upgraded();
  client->sendText("one");
  client->sendText("two");
  settle();
  std::string bytes = serverRead();
  const std::optional<ClientFrame> one = takeClientFrame(bytes);
  const std::optional<ClientFrame> two = takeClientFrame(bytes);
  ASSERT_TRUE(one && two);
  EXPECT_TRUE(bytes.empty());
  EXPECT_TRUE(one->masked && one->fin && two->masked && two->fin);
  EXPECT_EQ(one->opcode, kOpText);
  EXPECT_EQ(one->payload, "one");
  EXPECT_EQ(two->payload, "two");
  EXPECT_NE(one->key, two->key);
}

TEST_F(ScriptedClientTest, LongMessagesGoSometimesInFragmentsThatReassembleToTheText) {
  auto client = upgraded();
  std::vector<std::string> texts;
  for (int i = 0; i < 20; ++i) {
    // Two-byte characters, so some cuts fall inside a UTF-8 sequence.
    std::string text;
    for (int c = 0; c < 150 + i; ++c) text += "\xc3\xa9";
    text += std::to_string(i);
    texts.push_back(text);
    client->sendText(text);
  }
  client->sendText("short");
  settle();
  std::string bytes = serverRead();
  std::vector<std::string> messages;
  std::string partial;
  int fragmented = 0;
  bool inMessage = false;
  while (std::optional<ClientFrame> frame = takeClientFrame(bytes)) {
    ASSERT_TRUE(frame->masked);
    ASSERT_EQ(frame->opcode, inMessage ? kOpContinuation : kOpText);
    partial += frame->payload;
    inMessage = !frame->fin;
    if (frame->fin) {
      messages.push_back(std::exchange(partial, {}));
    } else if (frame->opcode == kOpText) {
      ++fragmented;
    }
  }
  EXPECT_TRUE(bytes.empty());
  texts.push_back("short");
  EXPECT_EQ(messages, texts);
  EXPECT_GT(fragmented, 0) << "no long message was fragmented";
  EXPECT_LT(fragmented, 20) << "every long message was fragmented";
}

TEST_F(ScriptedClientTest, A503AnswerIsRefusedAndEndsTheConnectionOnce) {
  auto client = connect();
  serverRead();
  const std::string answer = jsonAnswer(503, "Service Unavailable", R"({"error":"the server is shutting down"})");
  const std::size_t half = answer.size() - 10;
  serverWrite(answer.substr(0, half));
  settle();
  EXPECT_THAT(observer_.refusals, IsEmpty()) << "the body is still coming";
  serverWrite(answer.substr(half));
  settle();
  EXPECT_THAT(observer_.refusals, ElementsAre(503));
  ASSERT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(observer_.ends[0].by, ClosedBy::kServer);
  EXPECT_THAT(observer_.ends[0].reason, HasSubstr("HTTP 503: the server is shutting down"));

  // The client is done with the connection: it half-closes, and goes once the server closes.
  IoResult::Status last = IoResult::Status::kDone;
  EXPECT_EQ(serverRead(&last), "");
  EXPECT_EQ(last, IoResult::Status::kEnded);
  network_.close(handle_);
  settle();
  EXPECT_TRUE(client->finished());
  EXPECT_EQ(network_.connections(), 0u);
  EXPECT_EQ(observer_.ends.size(), 1u);
  EXPECT_THAT(observer_.violations, IsEmpty());
}

TEST_F(ScriptedClientTest, AServerThatHangsUpBeforeAnsweringDropsTheConnectionOnce) {
  auto client = connect();
  serverRead();
  network_.close(handle_);
  settle();
  EXPECT_THAT(observer_.refusals, IsEmpty());
  ASSERT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(observer_.ends[0].by, ClosedBy::kServer);
  EXPECT_EQ(observer_.ends[0].code, static_cast<CloseCode>(1006));
  EXPECT_EQ(observer_.ends[0].reason, "connection dropped");
  EXPECT_FALSE(observer_.ends[0].frameRead);
  EXPECT_TRUE(client->finished());
}

// ---- reading frames --------------------------------------------------------------------

TEST_F(ScriptedClientTest, ATextFrameMatchingWhatTheSessionHandedOverIsRead) {
  auto client = upgraded();
  const core::MessagePtr hello = message(1, R"({"name":"ann","msg":"hello"})");
  handOver(*client, hello);
  settle();
  EXPECT_THAT(observer_.reads, ElementsAre(hello));
  client->serverSentText(R"({"error":"slow down"})");
  serverWrite(serverFrame(kOpText, R"({"error":"slow down"})"));
  settle();
  EXPECT_THAT(observer_.texts, ElementsAre(R"({"error":"slow down"})"));
  EXPECT_THAT(observer_.violations, IsEmpty());
  EXPECT_THAT(observer_.ends, IsEmpty());
}

TEST_F(ScriptedClientTest, FramesSentInTheSameWriteAsThe101AreReadToo) {
  auto client = connect();
  serverRead();
  const core::MessagePtr first = message(1, "first");
  const core::MessagePtr second = message(2, "second");
  client->serverSent(first);
  client->serverSent(second);
  serverWrite(kSwitching + serverFrame(kOpText, "first") + serverFrame(kOpText, "second"));
  settle();
  EXPECT_THAT(observer_.reads, ElementsAre(first, second));
  EXPECT_THAT(observer_.violations, IsEmpty());
}

TEST_F(ScriptedClientTest, ATextFrameNeverHandedOverIsAViolationAndTheClientCutsTheConnection) {
  auto client = upgraded();
  serverWrite(serverFrame(kOpText, "unasked"));
  settle();
  ASSERT_EQ(observer_.violations.size(), 1u);
  EXPECT_THAT(observer_.violations[0], HasSubstr("never handed over"));
  ASSERT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(observer_.ends[0].by, ClosedBy::kClient);
  EXPECT_EQ(observer_.ends[0].code, static_cast<CloseCode>(1006));
  IoResult::Status last = IoResult::Status::kDone;
  serverRead(&last);
  EXPECT_EQ(last, IoResult::Status::kFailed) << "the server finds the connection reset";

  network_.close(handle_);
  settle();
  EXPECT_EQ(observer_.ends.size(), 1u);
  EXPECT_TRUE(client->finished());
  EXPECT_EQ(network_.connections(), 0u);
}

TEST_F(ScriptedClientTest, ATextFrameOtherThanTheOneHandedOverIsAViolation) {
  auto client = upgraded();
  client->serverSent(message(4, "expected"));
  serverWrite(serverFrame(kOpText, "different"));
  settle();
  ASSERT_EQ(observer_.violations.size(), 1u);
  EXPECT_THAT(observer_.violations[0], HasSubstr("sequence 4"));
  EXPECT_THAT(observer_.reads, IsEmpty());
  EXPECT_EQ(observer_.ends.size(), 1u);
}

TEST_F(ScriptedClientTest, AHandedOverTextThatIsNotUtf8IsAViolation) {
  auto client = upgraded();
  handOver(*client, message(1, "bad \xC0\xAF"));
  settle();
  ASSERT_EQ(observer_.violations.size(), 1u);
  EXPECT_THAT(observer_.violations[0], HasSubstr("UTF-8"));
  EXPECT_THAT(observer_.reads, IsEmpty());
  EXPECT_EQ(observer_.ends.size(), 1u);
}

TEST_F(ScriptedClientTest, AMaskedServerFrameIsAViolation) {
  auto client = upgraded();
  const core::MessagePtr hi = message(1, "hi");
  client->serverSent(hi);
  std::string frame = serverFrame(kOpText, "hi");
  frame[1] = static_cast<char>(frame[1] | 0x80);
  frame.insert(2, std::string(4, '\0'));  // a zero key: the payload reads the same
  serverWrite(frame);
  settle();
  ASSERT_EQ(observer_.violations.size(), 1u);
  EXPECT_THAT(observer_.violations[0], HasSubstr("masked"));
  EXPECT_THAT(observer_.reads, IsEmpty());
  ASSERT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(observer_.ends[0].by, ClosedBy::kClient);
}

TEST_F(ScriptedClientTest, APingGetsAMaskedPongWithTheSamePayload) {
  auto client = upgraded();
  serverWrite(serverFrame(kOpPing, "are you there"));
  settle();
  const ClientFrame pong = clientFrame();
  EXPECT_EQ(pong.opcode, kOpPong);
  EXPECT_TRUE(pong.masked);
  EXPECT_TRUE(pong.fin);
  EXPECT_EQ(pong.payload, "are you there");
  EXPECT_THAT(observer_.violations, IsEmpty());
  EXPECT_THAT(observer_.ends, IsEmpty());
}

TEST_F(ScriptedClientTest, AServerCloseFrameEndsTheConnectionAndIsAnsweredWithItsCode) {
  auto client = upgraded();
  client->serverCloseRequested(CloseCode::kPolicyViolation, "too slow to keep up");
  serverWrite(serverFrame(kOpClose, closeBody(1008, "too slow to keep up")));
  settle();
  ASSERT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(observer_.ends[0].by, ClosedBy::kServer);
  EXPECT_EQ(observer_.ends[0].code, CloseCode::kPolicyViolation);
  EXPECT_EQ(observer_.ends[0].reason, "too slow to keep up");
  EXPECT_TRUE(observer_.ends[0].frameRead);
  const ClientFrame reply = clientFrame();
  EXPECT_EQ(reply.opcode, kOpClose);
  EXPECT_TRUE(reply.masked);
  EXPECT_EQ(reply.closeCode(), 1008);

  EXPECT_FALSE(client->finished()) << "the server has not closed yet";
  network_.close(handle_);
  settle();
  EXPECT_TRUE(client->finished());
  EXPECT_EQ(network_.connections(), 0u);
  EXPECT_EQ(observer_.ends.size(), 1u);
}

TEST_F(ScriptedClientTest, AStreamEndingWithoutACloseFrameReportsTheCloseTheServerAskedFor) {
  clock_.advanceBy(1s);
  LinkOptions link = instantLink();
  link.readInterval = 10ms;
  auto client = upgraded(link);
  handOver(*client, message(1, "first"));
  handOver(*client, message(2, "second"));
  client->serverCloseRequested(CloseCode::kGoingAway, "server shutting down");
  network_.close(handle_);
  settle();
  EXPECT_THAT(observer_.log, ElementsAre("read first")) << "the end waits behind the unread frame";
  executor_.advanceBy(10ms);
  EXPECT_THAT(observer_.log, ElementsAre("read first", "read second", "ended 1001"));
  ASSERT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(observer_.ends[0].by, ClosedBy::kServer);
  EXPECT_EQ(observer_.ends[0].reason, "server shutting down");
  EXPECT_FALSE(observer_.ends[0].frameRead);
  EXPECT_TRUE(client->finished());
}

TEST_F(ScriptedClientTest, AStreamEndingWithoutACloseAskedForIsADroppedConnection) {
  auto client = upgraded();
  network_.shutdownWrite(handle_);
  settle();
  ASSERT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(observer_.ends[0].by, ClosedBy::kServer);
  EXPECT_EQ(observer_.ends[0].code, static_cast<CloseCode>(1006));
  EXPECT_EQ(observer_.ends[0].reason, "connection dropped");
  EXPECT_FALSE(observer_.ends[0].frameRead);
  network_.close(handle_);
  settle();
  EXPECT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(network_.connections(), 0u);
}

// ---- the client's pace -----------------------------------------------------------------

TEST_F(ScriptedClientTest, AStalledClientLeavesWhatArrivesInItsWindowUntilItResumes) {
  auto client = upgraded();
  client->setReading(false);
  std::vector<core::MessagePtr> sent;
  std::size_t wireBytes = 0;
  for (std::uint64_t sequence = 1; sequence <= 3; ++sequence) {
    sent.push_back(message(sequence, std::string(100 * sequence, 'a')));
    handOver(*client, sent.back());
    settle();
    wireBytes += serverFrame(kOpText, sent.back()->bytes()).size();
    EXPECT_EQ(network_.clientHeldBytes(handle_), wireBytes) << "after message " << sequence;
    EXPECT_EQ(client->state().windowUsedBytes, wireBytes);
  }
  EXPECT_THAT(observer_.reads, IsEmpty());
  client->setReading(true);
  settle();
  EXPECT_EQ(observer_.reads, sent);
  EXPECT_EQ(network_.clientHeldBytes(handle_), 0u);
}

TEST_F(ScriptedClientTest, AStalledClientFillsItsWindowAndTheServerWriteWaitsForIt) {
  LinkOptions link = instantLink();
  link.windowBytes = 1000;
  auto client = upgraded(link);
  client->setReading(false);
  const core::MessagePtr big = message(1, std::string(900, 'b'));
  handOver(*client, big);  // 904 bytes
  settle();
  const IoResult full = network_.write(handle_, serverFrame(kOpText, std::string(200, 'c')));
  EXPECT_EQ(full.bytes, 96u) << "only what the window has room for";
  EXPECT_EQ(network_.clientHeldBytes(handle_), 1000u);
  EXPECT_EQ(network_.write(handle_, "more").status, IoResult::Status::kWouldBlock);
}

TEST_F(ScriptedClientTest, AReadIntervalPacesReadsOneFramePerIntervalFromTimeZero) {
  // The simulator's clock starts at the epoch: a run's first reads happen there, and a read
  // at time zero is a read like any other.
  ASSERT_EQ(clock_.now(), core::TimePoint{});
  LinkOptions link = instantLink();
  link.readInterval = 10ms;
  auto client = upgraded(link);
  std::vector<core::MessagePtr> sent;
  for (std::uint64_t sequence = 1; sequence <= 3; ++sequence) {
    sent.push_back(message(sequence, "m" + std::to_string(sequence)));
    handOver(*client, sent.back());
  }
  settle();
  EXPECT_EQ(observer_.reads.size(), 1u) << "the first frame is read as it arrives";
  executor_.advanceBy(9ms);
  EXPECT_EQ(observer_.reads.size(), 1u);
  executor_.advanceBy(1ms);
  EXPECT_EQ(observer_.reads.size(), 2u);
  executor_.advanceBy(10ms);
  EXPECT_EQ(observer_.reads, sent);
}

TEST_F(ScriptedClientTest, AReadIntervalPacesReadsLaterInARunToo) {
  clock_.advanceBy(5s);
  LinkOptions link = instantLink();
  link.readInterval = 10ms;
  auto client = upgraded(link);
  for (std::uint64_t sequence = 1; sequence <= 3; ++sequence) handOver(*client, message(sequence, "m"));
  settle();
  EXPECT_EQ(observer_.reads.size(), 1u);
  executor_.advanceBy(10ms);
  EXPECT_EQ(observer_.reads.size(), 2u);
  client->setReadInterval(core::Duration::zero());
  settle();
  EXPECT_EQ(observer_.reads.size(), 3u) << "no pace: read at once";
}

TEST_F(ScriptedClientTest, AFrameLargerThanTheWindowIsStillReadWhole) {
  LinkOptions link = instantLink();
  link.windowBytes = 1024;
  auto client = upgraded(link);
  const core::MessagePtr large = message(1, std::string(5000, 'L'));
  client->serverSent(large);
  std::string rest = serverFrame(kOpText, large->bytes());
  for (int round = 0; round < 100 && !rest.empty(); ++round) {
    const IoResult result = network_.write(handle_, rest);
    if (result.done()) rest.erase(0, result.bytes);
    EXPECT_LE(network_.clientHeldBytes(handle_), 1024u);
    settle();
  }
  EXPECT_TRUE(rest.empty()) << "the client stopped taking bytes";
  EXPECT_THAT(observer_.reads, ElementsAre(large));
  EXPECT_THAT(observer_.violations, IsEmpty());
}

// ---- the client's own end --------------------------------------------------------------

TEST_F(ScriptedClientTest, LeaveSendsAMaskedClose1000AndEndsOnce) {
  auto client = upgraded();
  client->leave();
  settle();
  const ClientFrame close = clientFrame();
  EXPECT_EQ(close.opcode, kOpClose);
  EXPECT_TRUE(close.masked);
  EXPECT_EQ(close.closeCode(), 1000);
  ASSERT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(observer_.ends[0].by, ClosedBy::kClient);
  EXPECT_EQ(observer_.ends[0].code, CloseCode::kNormal);

  client->leave();
  settle();
  EXPECT_EQ(serverRead(), "") << "a second leave sends nothing";
  // The server's reply and hang-up come after the client's end: no second one.
  serverWrite(serverFrame(kOpClose, closeBody(1000)));
  network_.close(handle_);
  settle();
  EXPECT_EQ(observer_.ends.size(), 1u);
  EXPECT_TRUE(client->finished());
  EXPECT_EQ(network_.connections(), 0u);
}

TEST_F(ScriptedClientTest, CutResetsTheConnectionAndEndsOnceWith1006) {
  auto client = upgraded();
  client->cut();
  client->cut();
  settle();
  ASSERT_EQ(observer_.ends.size(), 1u);
  EXPECT_EQ(observer_.ends[0].by, ClosedBy::kClient);
  EXPECT_EQ(observer_.ends[0].code, static_cast<CloseCode>(1006));
  IoResult::Status last = IoResult::Status::kDone;
  serverRead(&last);
  EXPECT_EQ(last, IoResult::Status::kFailed);
}

}  // namespace
}  // namespace spread::plugins::sim
