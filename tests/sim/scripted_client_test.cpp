// Proves the simulator's scripted clients against a server played by hand: the test takes the
// server's side of a MemoryNetwork (read, write, shutdownWrite, close, on virtual time) and
// checks what ScriptedWebSocket and ScriptedPublish send back and report to a recording
// SimObserver, frame by frame, with exactly one end per connection whatever ends it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "client_world.h"
#include "http/http_request_parser.h"
#include "http/topic_query.h"
#include "io/memory_network.h"
#include "scripted_publish.h"
#include "scripted_websocket.h"
#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"
#include "wire_bytes.h"
#include "ws/handshake.h"

namespace spread::plugins::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::ClientFrame;
using testing::closeBody;
using testing::serverFrame;
using testing::takeClientFrame;
using transport::CloseCode;
using websocket::IoResult;
using websocket::MemoryNetwork;
using PublishStatus = transport::PublishResult::Status;
using namespace std::chrono_literals;

constexpr ConnectionId kId = 1;

const std::string kSwitching =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: 8Iy0b6Y5CqRvCXvZZd/Yd1+eQ4Q=\r\n\r\n";

std::string jsonAnswer(int status, const std::string& phrase, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + phrase +
         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// Records what a client reports, and the order of reads and ends.
class RecordingObserver final : public SimObserver {
 public:
  void onOpened(ConnectionId) override {}
  void onStarted(ConnectionId) override {}
  void onRefused(ConnectionId, int httpStatus) override {
    refusals.push_back(httpStatus);
    log.push_back("refused " + std::to_string(httpStatus));
  }
  void onWireViolation(ConnectionId, std::string_view problem) override {
    violations.emplace_back(problem);
    log.push_back("violation");
  }
  void onSent(ConnectionId, const core::MessagePtr&) override {}
  void onRead(ConnectionId, const core::MessagePtr& message) override {
    reads.push_back(message);
    log.push_back("read " + message->bytes());
  }
  void onTextRead(ConnectionId, std::string_view text) override { texts.emplace_back(text); }
  void onCloseRequested(ConnectionId, CloseCode, std::string_view) override {}
  void onEnded(ConnectionId, const ConnectionEnd& end) override {
    ends.push_back(end);
    log.push_back("ended " + std::to_string(static_cast<int>(end.code)));
  }
  void onPublishAnswered(std::uint64_t requestId, const transport::PublishResult& result) override {
    answers.emplace_back(requestId, result);
  }

  std::vector<int> refusals;
  std::vector<std::string> violations;
  std::vector<core::MessagePtr> reads;
  std::vector<std::string> texts;
  std::vector<ConnectionEnd> ends;
  std::vector<std::pair<std::uint64_t, transport::PublishResult>> answers;
  std::vector<std::string> log;
};

class ScriptedClientTest : public ::testing::Test {
 protected:
  ScriptedClientTest() {
    network_.listen([this](int handle, const std::string&) { accepted_.push_back(handle); });
  }

  static LinkOptions instantLink() {
    LinkOptions link;
    link.latency = core::Duration::zero();
    return link;
  }

  // A client that has sent its upgrade request for `topic`, which the server has accepted.
  std::shared_ptr<ScriptedWebSocket> connect(LinkOptions link = instantLink(), const std::string& topic = "chat") {
    MemoryNetwork::LinkOptions wire;
    wire.latency = link.latency;
    wire.clientReceiveBytes = link.windowBytes;
    handle_ = network_.connect(wire);
    auto client = std::make_shared<ScriptedWebSocket>(kId, handle_, link, world_);
    client->open(topic);
    settle();
    EXPECT_THAT(accepted_, ElementsAre(handle_));
    return client;
  }

  // A client the server has answered 101.
  std::shared_ptr<ScriptedWebSocket> upgraded(LinkOptions link = instantLink()) {
    auto client = connect(link);
    EXPECT_THAT(serverRead(), HasSubstr("GET /subscribe"));
    serverWrite(kSwitching);
    settle();
    return client;
  }

  void settle() { executor_.runUntilIdle(); }

  // Everything the client has sent that has reached the server; `last`: how the last read went.
  std::string serverRead(IoResult::Status* last = nullptr) {
    std::string out;
    char buffer[4096];
    for (int reads = 0; reads < 10'000; ++reads) {
      const IoResult result = network_.read(handle_, buffer);
      if (last != nullptr) *last = result.status;
      if (!result.done()) break;
      out.append(buffer, result.bytes);
    }
    return out;
  }

  // The server writes `bytes` whole; the client's window must have room for them.
  void serverWrite(std::string_view bytes) {
    const IoResult result = network_.write(handle_, bytes);
    EXPECT_TRUE(result.done());
    EXPECT_EQ(result.bytes, bytes.size()) << "the client's window was full";
  }

  core::MessagePtr message(std::uint64_t sequence, std::string bytes) {
    return std::make_shared<const core::Message>(sequence, clock_.now(), core::Payload::raw(std::move(bytes)));
  }

  // The session hands `message` over, and the server writes its frame.
  void handOver(ScriptedWebSocket& client, const core::MessagePtr& message) {
    client.serverSent(message);
    serverWrite(serverFrame(kOpText, message->bytes()));
  }

  // The one frame the client sent since the last look.
  ClientFrame clientFrame() {
    std::string bytes = serverRead();
    std::optional<ClientFrame> frame = takeClientFrame(bytes);
    EXPECT_TRUE(frame) << "no whole frame from the client";
    EXPECT_TRUE(bytes.empty()) << "more than one frame from the client";
    return frame.value_or(ClientFrame{});
  }

  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  MemoryNetwork network_{clock_, executor_};
  RecordingObserver observer_;
  ClientWorld world_{clock_, executor_, network_, &observer_, SplitMix(1), BugSwitches{}, nullptr};
  std::vector<int> accepted_;
  int handle_ = 0;
};

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

// ---- deliberate bugs -------------------------------------------------------------------

TEST_F(ScriptedClientTest, DuplicateDeliveryReportsTheSeventhReadTwice) {
  world_.bugs.duplicateDelivery = true;
  auto client = upgraded();
  std::vector<core::MessagePtr> sent;
  for (std::uint64_t sequence = 1; sequence <= 8; ++sequence) {
    sent.push_back(message(sequence, "m" + std::to_string(sequence)));
    handOver(*client, sent.back());
  }
  settle();
  ASSERT_EQ(observer_.reads.size(), 9u);
  EXPECT_EQ(observer_.reads[6], sent[6]);
  EXPECT_EQ(observer_.reads[7], sent[6]);
  EXPECT_EQ(observer_.reads[8], sent[7]);
}

TEST_F(ScriptedClientTest, DropAfterResumeLosesTheFirstReadAfterAResume) {
  world_.bugs.dropAfterResume = true;
  auto client = upgraded();
  const core::MessagePtr m1 = message(1, "m1");
  const core::MessagePtr m2 = message(2, "m2");
  const core::MessagePtr m3 = message(3, "m3");
  handOver(*client, m1);
  settle();
  client->setReading(false);
  handOver(*client, m2);
  handOver(*client, m3);
  settle();
  client->setReading(true);
  settle();
  EXPECT_THAT(observer_.reads, ElementsAre(m1, m3));
}

TEST_F(ScriptedClientTest, WithoutTheBugAResumeLosesNothing) {
  auto client = upgraded();
  const core::MessagePtr m1 = message(1, "m1");
  const core::MessagePtr m2 = message(2, "m2");
  client->setReading(false);
  handOver(*client, m1);
  handOver(*client, m2);
  settle();
  client->setReading(true);
  settle();
  EXPECT_THAT(observer_.reads, ElementsAre(m1, m2));
}

TEST_F(ScriptedClientTest, LostCloseReportsNoEndForALinkTheServerCut) {
  world_.bugs.lostClose = true;
  auto client = upgraded();
  network_.close(handle_);
  settle();
  EXPECT_THAT(observer_.ends, IsEmpty());
}

TEST_F(ScriptedClientTest, CloseTwiceReportsASecondEndWhenTheLinkGoes) {
  world_.bugs.closeTwice = true;
  auto client = upgraded();
  serverWrite(serverFrame(kOpClose, closeBody(1001)));
  settle();
  EXPECT_EQ(observer_.ends.size(), 1u);
  network_.close(handle_);
  settle();
  EXPECT_EQ(observer_.ends.size(), 2u);
}

TEST_F(ScriptedClientTest, EndBeforeFlushReportsTheEndBeforeTheFramesAheadOfItAreRead) {
  world_.bugs.endBeforeFlush = true;
  auto client = upgraded();
  client->setReading(false);
  handOver(*client, message(1, "m1"));
  client->serverCloseRequested(CloseCode::kPolicyViolation, "too slow to keep up");
  settle();
  client->setReading(true);
  settle();
  EXPECT_THAT(observer_.log, ElementsAre("ended 1008", "read m1"));
}

// ---- ScriptedPublish -------------------------------------------------------------------

class ScriptedPublishTest : public ScriptedClientTest {
 protected:
  std::shared_ptr<ScriptedPublish> post(std::uint64_t requestId, const std::string& topic, const std::string& body) {
    handle_ = network_.connect(MemoryNetwork::LinkOptions{});
    auto publish = std::make_shared<ScriptedPublish>(requestId, handle_, world_,
                                                     [this](std::uint64_t done) { done_.push_back(done); });
    publish->send(topic, body);
    settle();
    return publish;
  }

  // The result reported for a POST answered with `answer`.
  transport::PublishResult answeredWith(const std::string& answer) {
    auto publish = post(7, "chat", "{}");
    serverRead();
    serverWrite(answer);
    settle();
    EXPECT_THAT(done_, ElementsAre(7u));
    EXPECT_EQ(observer_.answers.size(), 1u);
    return observer_.answers.empty() ? transport::PublishResult{} : observer_.answers[0].second;
  }

  std::vector<std::uint64_t> done_;
};

TEST_F(ScriptedPublishTest, SendsAPostTheServersOwnParserAccepts) {
  const std::string body = R"({"name":"ann","msg":"hi"})";
  auto publish = post(1, "news", body);
  websocket::HttpRequestParser parser;
  parser.feed(serverRead());
  websocket::HttpRequest request;
  ASSERT_EQ(parser.next(request), websocket::HttpRequestParser::Status::kRequest) << parser.error().message;
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(websocket::readPath(request.target).path, "/publish");
  EXPECT_EQ(websocket::readTopic(request.target, "default").topic, "news");
  EXPECT_EQ(request.body, body);
  EXPECT_FALSE(request.keepAlive());
  ASSERT_NE(request.header("Content-Type"), nullptr);
  EXPECT_EQ(*request.header("Content-Type"), "application/json");
  EXPECT_EQ(parser.takeBuffered(), "");
}

TEST_F(ScriptedPublishTest, A204IsAccepted) {
  const transport::PublishResult result = answeredWith("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(result.status, PublishStatus::kAccepted);
  EXPECT_EQ(result.error, "");
}

TEST_F(ScriptedPublishTest, A400NamingTheTopicIsABadTopic) {
  const transport::PublishResult result = answeredWith(
      jsonAnswer(400, "Bad Request", R"({"error":"topic name must not be empty","field":"topic"})"));
  EXPECT_EQ(result.status, PublishStatus::kBadTopic);
  EXPECT_EQ(result.error, "topic name must not be empty");
}

TEST_F(ScriptedPublishTest, AnotherA400IsABadRequest) {
  const transport::PublishResult result =
      answeredWith(jsonAnswer(400, "Bad Request", R"({"error":"field 'msg': is missing","field":"msg"})"));
  EXPECT_EQ(result.status, PublishStatus::kBadRequest);
}

TEST_F(ScriptedPublishTest, A503ShuttingDownIsDraining) {
  const transport::PublishResult result =
      answeredWith(jsonAnswer(503, "Service Unavailable", R"({"error":"the server is shutting down"})"));
  EXPECT_EQ(result.status, PublishStatus::kDraining);
  EXPECT_EQ(result.error, "the server is shutting down");
}

TEST_F(ScriptedPublishTest, ABusy503IsBusy) {
  const transport::PublishResult result =
      answeredWith(jsonAnswer(503, "Service Unavailable", R"({"error":"the topic is busy; try again shortly"})"));
  EXPECT_EQ(result.status, PublishStatus::kBusy);
}

TEST_F(ScriptedPublishTest, AHangUpWithoutAnAnswerIsDraining) {
  auto publish = post(3, "chat", "{}");
  serverRead();
  network_.close(handle_);
  settle();
  ASSERT_EQ(observer_.answers.size(), 1u);
  EXPECT_EQ(observer_.answers[0].first, 3u);
  EXPECT_EQ(observer_.answers[0].second.status, PublishStatus::kDraining);
  EXPECT_THAT(observer_.answers[0].second.error, HasSubstr("without an answer"));
  EXPECT_THAT(done_, ElementsAre(3u));
}

TEST_F(ScriptedPublishTest, AnAnswerInPiecesIsReportedOnceWhenWhole) {
  auto publish = post(5, "chat", "{}");
  serverRead();
  const std::string answer = jsonAnswer(503, "Service Unavailable", R"({"error":"the server is shutting down"})");
  for (const char byte : answer) {
    serverWrite(std::string(1, byte));
    settle();
  }
  network_.close(handle_);
  settle();
  ASSERT_EQ(observer_.answers.size(), 1u);
  EXPECT_EQ(observer_.answers[0].second.status, PublishStatus::kDraining);
  EXPECT_THAT(done_, ElementsAre(5u));
}

TEST(PublishResultForTest, MapsEachStatusTheServerAnswersWith) {
  EXPECT_EQ(publishResultFor(204, "").status, PublishStatus::kAccepted);
  EXPECT_EQ(publishResultFor(400, "topic name must not be empty").status, PublishStatus::kBadTopic);
  EXPECT_EQ(publishResultFor(400, "field 'name': is missing").status, PublishStatus::kBadRequest);
  EXPECT_EQ(publishResultFor(413, "request body exceeds 65536 bytes").status, PublishStatus::kBadRequest);
  EXPECT_EQ(publishResultFor(429, "too many publishes").status, PublishStatus::kBusy);
  EXPECT_EQ(publishResultFor(503, "the server is shutting down").status, PublishStatus::kDraining);
  EXPECT_EQ(publishResultFor(503, "the topic is busy; try again shortly").status, PublishStatus::kBusy);
  const transport::PublishResult hungUp = publishResultFor(0, "");
  EXPECT_EQ(hungUp.status, PublishStatus::kDraining);
  EXPECT_FALSE(hungUp.error.empty());
}

}  // namespace
}  // namespace spread::plugins::sim
