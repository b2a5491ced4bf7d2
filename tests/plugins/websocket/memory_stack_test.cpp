// The WebSocket transport's protocol stack on the in-memory network and virtual time: the
// same HTTP parser, routes, WebSocket codec, queues and timeouts as on a real port, spoken
// to in raw bytes, with no thread and no wall-clock wait.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "client_frames.h"
#include "memory_stack.h"

namespace spread::plugins::websocket::testing {
namespace {

using namespace std::chrono_literals;
using Config = std::map<std::string, std::string>;

const std::string kUpgrade =
    "GET /subscribe HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

std::string post(const std::string& body, const std::string& connection = "close") {
  return "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: " + connection +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Splits what a WebSocket client received into its HTTP answer and the frames after it.
struct Upgraded {
  std::string answer;
  std::vector<ServerFrame> frames;
};
Upgraded parseUpgraded(std::string bytes) {
  Upgraded out;
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string::npos) return {bytes, {}};
  out.answer = bytes.substr(0, end + 4);
  bytes.erase(0, end + 4);
  while (auto frame = takeServerFrame(bytes)) out.frames.push_back(*frame);
  return out;
}

TEST(MemoryStackTest, AnUpgradedClientReceivesWhatIsPublishedOverHttp) {
  MemoryStack stack;
  const int subscriber = stack.connect();
  stack.send(subscriber, kUpgrade);
  stack.settle();
  const std::string opening = stack.take(subscriber);
  ASSERT_EQ(opening.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << opening;
  // RFC 6455's own example key and accept value: the handshake really ran.
  EXPECT_NE(opening.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos);

  const std::string answer = stack.exchange(post(R"({"name":"ann","msg":"hello"})"));
  EXPECT_EQ(answer.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u) << answer;

  stack.settle();
  std::string frames = stack.take(subscriber);
  std::optional<ServerFrame> frame = takeServerFrame(frames);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->opcode, Opcode::kText);
  EXPECT_EQ(frame->payload, R"({"name":"ann","msg":"hello"})");
  EXPECT_TRUE(frames.empty());
}

TEST(MemoryStackTest, InvalidUtf8InATextFrameClosesWith1007) {
  MemoryStack stack;
  const Upgraded reply = parseUpgraded(stack.exchange(kUpgrade + textFrame("\xFF\xFE")));
  ASSERT_EQ(reply.answer.rfind("HTTP/1.1 101", 0), 0u) << reply.answer;
  ASSERT_EQ(reply.frames.size(), 1u);
  EXPECT_EQ(reply.frames[0].opcode, Opcode::kClose);
  EXPECT_EQ(reply.frames[0].closeCode(), 1007);
}

// The injected fault reaches the parser through the transport context: the same bytes,
// with a ping after them, are read on; the bad text goes on as a publish (refused: it is
// no chat message) and the ping is answered, with no close.
TEST(MemoryStackTest, WithTheAcceptsBadUtf8FaultInvalidTextIsReadOnWithout1007) {
  core::InjectedFaults faults;
  faults.parserAcceptsBadUtf8 = true;
  MemoryStack stack({}, {}, &faults);
  bool ended = true;
  const Upgraded reply = parseUpgraded(
      stack.exchange(kUpgrade + textFrame("\xFF\xFE") + clientFrame({Opcode::kPing, "p"}), 1s, &ended));
  ASSERT_EQ(reply.answer.rfind("HTTP/1.1 101", 0), 0u) << reply.answer;
  EXPECT_FALSE(ended);
  // The pong leaves from the parser's own loop, the error reply from the session: either
  // may come first.
  std::vector<Opcode> opcodes;
  for (const ServerFrame& frame : reply.frames) {
    opcodes.push_back(frame.opcode);
    if (frame.opcode == Opcode::kText) {
      EXPECT_EQ(frame.payload.rfind("{\"error\":", 0), 0u) << frame.payload;
    } else if (frame.opcode == Opcode::kPong) {
      EXPECT_EQ(frame.payload, "p");
    }
  }
  EXPECT_THAT(opcodes, ::testing::UnorderedElementsAre(Opcode::kText, Opcode::kPong));
}

TEST(MemoryStackTest, APostOverTheBodyLimitIsRefused413AndNotDelivered) {
  MemoryStack stack;
  const int subscriber = stack.connect();
  stack.send(subscriber, kUpgrade);
  stack.settle();
  stack.take(subscriber);

  const std::string body = R"({"name":"ann","msg":")" + std::string(70'000, 'x') + "\"}";
  const std::string answer = stack.exchange(post(body));
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 ", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("request body exceeds 65536 bytes"), std::string::npos) << answer;

  stack.settle();
  EXPECT_EQ(stack.take(subscriber), "") << "nothing was published";
}

TEST(MemoryStackTest, AKeptAliveConnectionIsClosedAtItsIdleTimeoutOnVirtualTime) {
  MemoryStack stack(Config{{"httpIdleTimeoutMs", "5000"}});
  const int client = stack.connect();
  stack.send(client, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
  stack.settle();
  EXPECT_EQ(stack.take(client).rfind("HTTP/1.1 200 OK\r\n", 0), 0u);

  stack.advance(4999ms);
  EXPECT_FALSE(stack.network().clientSawEnd(client)) << "closed before its idle timeout";
  stack.advance(1ms);
  stack.settle();
  EXPECT_TRUE(stack.network().clientSawEnd(client)) << "still open after its idle timeout";
}

TEST(MemoryStackTest, AHeadTrickledPastItsDeadlineIsAnswered408) {
  MemoryStack stack(Config{{"headerTimeoutMs", "2000"}});
  const int client = stack.connect();
  stack.send(client, "GET /healthz HTTP/1.1\r\n");
  for (int i = 0; i < 3; ++i) {
    stack.advance(900ms);
    stack.send(client, "X-Slow: yes\r\n");  // never the end of the head
  }
  const std::string answer = stack.collect(client, 1s);
  EXPECT_EQ(answer.rfind("HTTP/1.1 408 ", 0), 0u) << answer;
}

TEST(MemoryStackTest, ASubscriberThatStopsReadingIsDroppedWith1008) {
  transport::SessionOptions session;
  session.queue = core::QueueLimits{4, 1 << 20};
  session.sendWindowBytes = 1024;
  MemoryStack stack({}, session);
  MemoryNetwork::LinkOptions small;
  small.clientReceiveBytes = 2048;  // the client's socket buffer
  const int reader = stack.connect(small);
  stack.send(reader, kUpgrade);
  stack.settle();
  stack.take(reader);  // the 101, and nothing more: the client stops reading

  const std::string msg(400, 'm');
  for (int i = 0; i < 40; ++i) stack.exchange(post(R"({"name":"ann","msg":")" + msg + "\"}"));

  // Its window, then the send window, then its queue fill; the broker drops it, and once it
  // reads again the frames it had been sent come out, then the close.
  const Upgraded rest = parseUpgraded("HTTP/1.1 101\r\n\r\n" + stack.collect(reader, 1s));
  ASSERT_FALSE(rest.frames.empty());
  const ServerFrame& last = rest.frames.back();
  EXPECT_EQ(last.opcode, Opcode::kClose);
  EXPECT_EQ(last.closeCode(), 1008);
  EXPECT_EQ(last.closeReason(), "too slow to keep up");
  EXPECT_LT(rest.frames.size(), 40u);
}

TEST(MemoryStackTest, TheSameBytesGiveTheSameTranscriptEveryRun) {
  auto run = [] {
    MemoryStack stack(Config{{"httpIdleTimeoutMs", "3000"}});
    const int subscriber = stack.connect({5ms});
    stack.send(subscriber, kUpgrade + textFrame(R"({"name":"bo","msg":"one"})") +
                               clientFrame({Opcode::kPing, "p"}));
    std::string transcript = stack.exchange(post(R"({"name":"ann","msg":"two"})", "keep-alive"), 10s);
    stack.advance(2s);
    transcript += stack.collect(subscriber, 20s);
    return withoutDates(transcript);
  };
  const std::string first = run();
  EXPECT_NE(first.find("\"one\""), std::string::npos);
  EXPECT_EQ(first, run());
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
