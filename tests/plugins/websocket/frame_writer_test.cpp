// Proves server frames are encoded as RFC 6455 requires (FIN set, never masked, shortest
// length form) and that the outbound queue writes them in order over a real socketpair:
// shared payloads, one close frame last, partial writes resumed, the window reported, and a
// flood of pings answered with one pong.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_frames.h"
#include "io/socket_network.h"
#include "ws/frame_writer.h"
#include "ws/outbound_queue.h"

namespace spread::plugins::websocket {
namespace {

using testing::ServerFrame;
using testing::takeServerFrame;
using transport::CloseCode;

TEST(FrameWriterTest, UsesTheShortestLengthForm) {
  struct Case {
    std::size_t payload;
    std::size_t headerBytes;
  };
  for (Case c : {Case{0, 2}, Case{125, 2}, Case{126, 4}, Case{65535, 4}, Case{65536, 10}}) {
    const FrameHeader header(Opcode::kText, c.payload);
    EXPECT_EQ(header.bytes().size(), c.headerBytes) << c.payload;
    EXPECT_EQ(static_cast<unsigned char>(header.bytes()[0]), 0x81) << "FIN and text opcode";
    EXPECT_EQ(static_cast<unsigned char>(header.bytes()[1]) & 0x80, 0) << "server frames are never masked";
  }
}

TEST(FrameWriterTest, EncodedFramesParseBack) {
  for (std::size_t size : {0u, 5u, 126u, 70000u}) {
    std::string buffer = encodeFrame(Opcode::kText, std::string(size, 'q'));
    const std::optional<ServerFrame> frame = takeServerFrame(buffer);
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->payload.size(), size);
    EXPECT_TRUE(frame->fin);
    EXPECT_FALSE(frame->masked);
    EXPECT_TRUE(buffer.empty());
  }
}

TEST(FrameWriterTest, ClosePayloadCarriesCodeAndReason) {
  const std::string payload = encodeClosePayload(CloseCode::kPolicyViolation, "too slow to keep up");
  EXPECT_EQ(payload, std::string("\x03\xF0", 2) + "too slow to keep up");
}

TEST(FrameWriterTest, ClosePayloadCutsLongReasonsOnACharacterBoundary) {
  const std::string euros = [] {
    std::string text;
    for (int i = 0; i < 60; ++i) text += "\xE2\x82\xAC";  // 180 bytes
    return text;
  }();
  const std::string payload = encodeClosePayload(CloseCode::kNormal, euros);
  EXPECT_LE(payload.size(), kControlPayloadMax);
  EXPECT_EQ((payload.size() - 2) % 3, 0u) << "a three-byte character was split";
}

class OutboundQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds_), 0); }
  void TearDown() override {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }

  static core::MessagePtr message(std::string bytes) {
    return std::make_shared<const core::Message>(1, core::TimePoint{}, core::Payload::raw(std::move(bytes)));
  }

  // Reads what the writer side sent, waiting on poll() at most 2 s for each piece.
  std::string readAvailable() {
    std::string out;
    char chunk[65536];
    pollfd pfd{fds_[1], POLLIN, 0};
    while (::poll(&pfd, 1, out.empty() ? 2000 : 0) > 0) {
      const ssize_t n = ::recv(fds_[1], chunk, sizeof chunk, MSG_DONTWAIT);
      if (n <= 0) break;
      out.append(chunk, static_cast<std::size_t>(n));
    }
    return out;
  }

  int fds_[2]{};
};

TEST_F(OutboundQueueTest, WritesQueuedFramesInOrderAndSharesPayloads) {
  OutboundQueue queue(1 << 20);
  const core::MessagePtr first = message("first");
  const core::MessagePtr second = message(std::string(300, 's'));
  const std::vector<core::MessagePtr> batch{first, second};
  EXPECT_TRUE(queue.pushMessages(batch)) << "the first push asks for a write";
  EXPECT_EQ(first.use_count(), 3) << "queued by reference, not copied";
  EXPECT_FALSE(queue.pushFrame(Opcode::kText, "third")) << "a write is already requested";
  EXPECT_EQ(queue.bytesQueued(), 2 + 5 + 4 + 300 + 2 + 5u + 3 * OutboundQueue::kFrameOverheadBytes);

  std::size_t written = 0;
  const auto result = queue.writeTo(SocketNetwork::instance(), fds_[0], [&](const core::Message&) { ++written; });
  EXPECT_FALSE(result.failed);
  EXPECT_TRUE(result.drained);
  EXPECT_EQ(written, 2u) << "only message frames count as deliveries";
  EXPECT_EQ(queue.bytesQueued(), 0u);

  std::string bytes = readAvailable();
  std::vector<std::string> payloads;
  while (auto frame = takeServerFrame(bytes)) payloads.push_back(frame->payload);
  EXPECT_EQ(payloads, (std::vector<std::string>{"first", std::string(300, 's'), "third"}));
}

TEST_F(OutboundQueueTest, CloseIsTheLastFrame) {
  OutboundQueue queue(1 << 20);
  EXPECT_TRUE(queue.pushFrame(Opcode::kText, "before"));
  queue.pushClose(CloseCode::kGoingAway, "server shutting down");
  EXPECT_TRUE(queue.closeQueued());
  EXPECT_FALSE(queue.pushFrame(Opcode::kText, "after"));
  EXPECT_FALSE(queue.pushClose(CloseCode::kNormal, "second close"));

  const auto result = queue.writeTo(SocketNetwork::instance(), fds_[0], nullptr);
  EXPECT_TRUE(result.closeWritten);
  std::string bytes = readAvailable();
  auto text = takeServerFrame(bytes);
  auto close = takeServerFrame(bytes);
  ASSERT_TRUE(text && close);
  EXPECT_EQ(text->payload, "before");
  EXPECT_EQ(close->opcode, Opcode::kClose);
  EXPECT_EQ(close->closeCode(), 1001);
  EXPECT_EQ(close->closeReason(), "server shutting down");
  EXPECT_TRUE(bytes.empty());
}

TEST_F(OutboundQueueTest, ResumesPartialWritesAndReportsTheWindowOpening) {
  const int small = 4096;
  ASSERT_EQ(::setsockopt(fds_[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
  const std::size_t window = 64 * 1024;
  OutboundQueue queue(window);
  std::vector<core::MessagePtr> batch;
  for (int i = 0; i < 40; ++i) batch.push_back(message(std::string(8000, static_cast<char>('a' + i % 26))));
  queue.pushMessages(batch);
  ASSERT_GE(queue.bytesQueued(), window);

  std::size_t written = 0;
  auto result = queue.writeTo(SocketNetwork::instance(), fds_[0], [&](const core::Message&) { ++written; });
  EXPECT_FALSE(result.failed);
  EXPECT_FALSE(result.drained) << "the socket could not take everything";
  EXPECT_FALSE(result.windowOpened);

  std::string received;
  bool opened = false;
  for (int round = 0; round < 1000 && !result.drained; ++round) {
    received += readAvailable();
    result = queue.writeTo(SocketNetwork::instance(), fds_[0], [&](const core::Message&) { ++written; });
    opened = opened || result.windowOpened;
  }
  received += readAvailable();
  EXPECT_TRUE(result.drained);
  EXPECT_TRUE(opened);
  EXPECT_EQ(written, batch.size());
  std::size_t frames = 0;
  while (auto frame = takeServerFrame(received)) {
    EXPECT_EQ(frame->payload, batch[frames]->bytes());
    ++frames;
  }
  EXPECT_EQ(frames, batch.size());
}

TEST_F(OutboundQueueTest, AFloodOfPingsHoldsOnePongAnsweringTheLatest) {
  OutboundQueue queue(1 << 20);
  queue.pushFrame(Opcode::kText, "before");
  for (int i = 0; i < 1000; ++i) queue.pushPong("ping " + std::to_string(i));
  EXPECT_EQ(queue.bytesQueued(), 2 + 6 + 2 + std::string("ping 999").size() + 2 * OutboundQueue::kFrameOverheadBytes)
      << "one pong, not a thousand";
  queue.pushFrame(Opcode::kText, "after");

  queue.writeTo(SocketNetwork::instance(), fds_[0], nullptr);
  std::string bytes = readAvailable();
  std::vector<std::pair<Opcode, std::string>> frames;
  while (auto frame = takeServerFrame(bytes)) frames.emplace_back(frame->opcode, frame->payload);
  EXPECT_EQ(frames, (std::vector<std::pair<Opcode, std::string>>{
                        {Opcode::kText, "before"}, {Opcode::kPong, "ping 999"}, {Opcode::kText, "after"}}));

  // Once the pong has gone out, the next ping gets a pong of its own.
  queue.pushPong("later");
  queue.writeTo(SocketNetwork::instance(), fds_[0], nullptr);
  bytes = readAvailable();
  auto pong = takeServerFrame(bytes);
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, Opcode::kPong);
  EXPECT_EQ(pong->payload, "later");
}

TEST_F(OutboundQueueTest, ReportsAPeerThatIsGone) {
  OutboundQueue queue(1024);
  ::close(fds_[1]);
  fds_[1] = ::dup(fds_[0]);  // keep TearDown's close valid
  ::shutdown(fds_[0], SHUT_RDWR);
  queue.pushFrame(Opcode::kText, "nobody listens");
  EXPECT_TRUE(queue.writeTo(SocketNetwork::instance(), fds_[0], nullptr).failed);
}

}  // namespace
}  // namespace spread::plugins::websocket
