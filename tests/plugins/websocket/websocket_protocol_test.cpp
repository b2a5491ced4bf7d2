// Proves the WebSocket side of the transport over real sockets: clients publish with text
// frames, pings are answered, fragments are reassembled, each protocol violation closes
// with its RFC 6455 code and a reason, the closing handshake completes, and keepalive pings
// and idle closes follow the server's (manual) clock. No sleeps: every wait is a read with a
// deadline.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "test_server.h"

namespace spread::plugins::websocket::testing {
namespace {

using transport::Rejection;

constexpr const char* kChat = R"({"name":"ann","msg":"hi"})";

TEST(WebSocketProtocolTest, ClientPublishesWithATextFrame) {
  TestServer server;
  auto listener = server.subscribe();
  auto talker = server.subscribe();
  talker->sendFrame(kChat, static_cast<int>(std::strlen(kChat)), Poco::Net::WebSocket::FRAME_TEXT);
  EXPECT_EQ(receiveText(*listener), kChat);
  EXPECT_EQ(receiveText(*talker), kChat) << "the publisher is subscribed too";
}

TEST(WebSocketProtocolTest, BadJsonGetsAnErrorFrameAndTheConnectionStaysUp) {
  TestServer server;
  auto client = server.subscribeRaw();
  client->send(textFrame(R"({"name":"ann"})"));
  std::optional<ServerFrame> error = client->readFrame();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->opcode, Opcode::kText);
  EXPECT_NE(error->payload.find("\"field\":\"msg\""), std::string::npos) << error->payload;

  client->send(textFrame(kChat));
  std::optional<ServerFrame> echo = client->readFrame();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, kChat);
}

TEST(WebSocketProtocolTest, PingIsAnsweredWithTheSamePayload) {
  TestServer server;
  auto client = server.subscribeRaw();
  client->send(clientFrame({Opcode::kPing, "are you there?"}));
  std::optional<ServerFrame> pong = client->readFrame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, Opcode::kPong);
  EXPECT_EQ(pong->payload, "are you there?");
}

TEST(WebSocketProtocolTest, FramesSentWithTheUpgradeRequestAreNotLost) {
  TestServer server;
  // The HTTP server reads these along with the request; they must reach the parser.
  RawClient client(server.port(), "/subscribe", 0, clientFrame({Opcode::kPing, "early"}));
  ASSERT_TRUE(client.upgraded()) << client.handshakeResponse();
  std::optional<ServerFrame> pong = client.readFrame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, Opcode::kPong);
  EXPECT_EQ(pong->payload, "early");
}

TEST(WebSocketProtocolTest, FragmentedMessageIsReassembled) {
  TestServer server;
  auto client = server.subscribeRaw();
  const std::string message = kChat;
  client->send(clientFrame({Opcode::kText, message.substr(0, 5), false}));
  client->send(clientFrame({Opcode::kContinuation, message.substr(5, 7), false}));
  client->send(clientFrame({Opcode::kContinuation, message.substr(12), true}));
  std::optional<ServerFrame> echo = client->readUntil(Opcode::kText);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, message);
}

TEST(WebSocketProtocolTest, ControlFrameInsideFragmentsIsHandled) {
  TestServer server;
  auto client = server.subscribeRaw();
  const std::string message = kChat;
  client->send(clientFrame({Opcode::kText, message.substr(0, 9), false}) + clientFrame({Opcode::kPing, "mid"}) +
               clientFrame({Opcode::kContinuation, message.substr(9), true}));
  std::optional<ServerFrame> pong = client->readFrame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, Opcode::kPong);
  EXPECT_EQ(pong->payload, "mid");
  std::optional<ServerFrame> echo = client->readFrame();
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, message);
}

struct Violation {
  std::string name;
  std::string bytes;
  std::uint16_t code;
  std::string reasonPart;
};

void PrintTo(const Violation& violation, std::ostream* out) { *out << violation.name; }

std::vector<Violation> violations() {
  return {
      {"Unmasked", clientFrame({Opcode::kText, kChat, true, 0, false}), 1002, "masked"},
      {"ReservedBits", clientFrame({Opcode::kText, kChat, true, 4}), 1002, "reserved"},
      {"UnknownOpcode", clientFrame({static_cast<Opcode>(5), "x"}), 1002, "opcode"},
      {"ControlTooBig", clientFrame({Opcode::kPing, std::string(126, 'p')}), 1002, "125"},
      {"FragmentedControl", clientFrame({Opcode::kPing, "p", false}), 1002, "fragmented"},
      {"ContinuationWithoutStart", clientFrame({Opcode::kContinuation, "x"}), 1002, "continuation"},
      {"DataInsideFragments", clientFrame({Opcode::kText, "a", false}) + textFrame("b"), 1002, "inside"},
      {"CloseOneByte", clientFrame({Opcode::kClose, "\x01"}), 1002, "1-byte"},
      {"CloseBadCode", clientFrame({Opcode::kClose, closePayload(1005)}), 1002, "invalid close code"},
      {"CloseBadReason", clientFrame({Opcode::kClose, closePayload(1000, "\xC3")}), 1007, "UTF-8"},
      {"InvalidUtf8", textFrame("\xFF\xFE"), 1007, "UTF-8"},
      {"TooBig", textFrame(std::string(2048, 'b')), 1009, "exceeds 1024"},
      {"Binary", clientFrame({Opcode::kBinary, "\x00\x01"}), 1003, "binary"},
  };
}

class ViolationTest : public ::testing::TestWithParam<Violation> {};

TEST_P(ViolationTest, ClosesWithItsCodeAndReason) {
  TestServerOptions options;
  options.session.messageBytesMax = 1024;
  TestServer server(options);
  auto client = server.subscribeRaw();
  client->send(GetParam().bytes);
  std::optional<ServerFrame> close = client->readUntil(Opcode::kClose);
  ASSERT_TRUE(close) << "no close frame";
  EXPECT_EQ(close->closeCode(), GetParam().code);
  EXPECT_NE(close->closeReason().find(GetParam().reasonPart), std::string::npos) << close->closeReason();
  EXPECT_TRUE(client->waitForEof()) << "the server hangs up after a failure";
  const std::uint64_t refused = server.metrics().rejectedCount(Rejection::kProtocolError) +
                                server.metrics().rejectedCount(Rejection::kTooLarge);
  EXPECT_GE(refused + server.metrics().rejectedCount(Rejection::kBadRequest), 2u) << "probe plus violation";
}

INSTANTIATE_TEST_SUITE_P(EveryRule, ViolationTest, ::testing::ValuesIn(violations()),
                         [](const auto& info) { return info.param.name; });

TEST(WebSocketProtocolTest, ViolationDoesNotAffectOtherClients) {
  TestServer server;
  auto bystander = server.subscribe();
  auto offender = server.subscribeRaw();
  offender->send(clientFrame({Opcode::kText, kChat, true, 0, false}));
  ASSERT_TRUE(offender->readUntil(Opcode::kClose));
  ASSERT_EQ(server.publish("n", "still here").status, 204);
  EXPECT_EQ(receiveText(*bystander), R"({"name":"n","msg":"still here"})");
}

TEST(WebSocketProtocolTest, ClientInitiatedCloseIsEchoedThenTheServerHangsUp) {
  TestServer server;
  auto client = server.subscribeRaw();
  client->send(clientFrame({Opcode::kClose, closePayload(1000, "done")}));
  std::optional<ServerFrame> echo = client->readUntil(Opcode::kClose);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->closeCode(), 1000);
  EXPECT_TRUE(client->waitForEof());
  EXPECT_EQ(server.transport().stats().connectionsOpen, 0u);
}

TEST(WebSocketProtocolTest, PocoClientCloseHandshakeCompletes) {
  TestServer server;
  auto client = server.subscribe();
  client->shutdown(Poco::Net::WebSocket::WS_NORMAL_CLOSE, "bye");
  int flags = 0;
  const std::string payload = receiveText(*client, &flags);
  EXPECT_EQ(flags & Poco::Net::WebSocket::FRAME_OP_BITMASK, Poco::Net::WebSocket::FRAME_OP_CLOSE);
  ASSERT_GE(payload.size(), 2u);
  EXPECT_EQ((static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]), 1000);
}

TEST(WebSocketProtocolTest, ServerPingsThenClosesAnIdleClient) {
  TestServerOptions options;
  options.manualTime = true;
  options.session.pingInterval = std::chrono::milliseconds(100);
  options.session.idleTimeout = std::chrono::milliseconds(300);
  options.config["closeTimeoutMs"] = "200";
  TestServer server(options);
  auto client = server.subscribeRaw();
  // The raw client never answers: the timers at 100 and 200 ms ping it, and the one at
  // 300 ms finds it idle.
  for (int ping = 1; ping <= 2; ++ping) {
    ASSERT_TRUE(server.timers().fireNextTimer()) << "ping " << ping;
    std::optional<ServerFrame> frame = client->readFrame();
    ASSERT_TRUE(frame) << "ping " << ping;
    EXPECT_EQ(frame->opcode, Opcode::kPing) << "ping " << ping;
  }
  ASSERT_TRUE(server.timers().fireNextTimer());
  std::optional<ServerFrame> close = client->readFrame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->opcode, Opcode::kClose);
  EXPECT_EQ(close->closeCode(), 1001);
  EXPECT_EQ(close->closeReason(), "idle timeout");
  // Nor does it answer the close: the connection stays until closeTimeoutMs has passed on
  // the server's clock, and then it is dropped.
  EXPECT_EQ(server.transport().stats().connectionsOpen, 1u);
  server.timers().advanceBy(std::chrono::milliseconds(200));
  EXPECT_TRUE(client->waitForEof());
}

TEST(WebSocketProtocolTest, AnsweringPingsKeepsTheClientAlive) {
  TestServerOptions options;
  options.manualTime = true;
  options.session.pingInterval = std::chrono::milliseconds(50);
  options.session.idleTimeout = std::chrono::milliseconds(300);
  TestServer server(options);
  auto client = server.subscribeRaw();
  // Eight pings span 400 ms of the server's clock, more than the idle timeout. Each pong
  // has been handled (its task has run) before the next timer fires.
  for (int answered = 0; answered < 8; ++answered) {
    ASSERT_TRUE(server.timers().fireNextTimer());
    std::optional<ServerFrame> frame = client->readFrame();
    ASSERT_TRUE(frame) << "after " << answered << " pongs";
    ASSERT_EQ(frame->opcode, Opcode::kPing) << "closed after " << answered << " pongs";
    const std::uint64_t posted = server.timers().posted();
    client->send(clientFrame({Opcode::kPong, frame->payload}));
    ASSERT_TRUE(server.timers().waitUntilIdle(posted + 1)) << "pong " << answered << " was not handled";
  }
}


// A client that has read its 101 is subscribed.
class OpeningTest : public ::testing::Test {
 protected:
  static constexpr const char* kUpgrade =
      "GET /subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

  Poco::Net::StreamSocket connect(std::uint16_t port, const std::string& bytes) {
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(5, 0));
    socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    return socket;
  }
  // Reads into `buffer` until `done(buffer)`, for at most 5 s.
  template <class Done>
  static bool readUntil(Poco::Net::StreamSocket& socket, std::string& buffer, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done(buffer)) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !socket.poll(Poco::Timespan(left.count()), Poco::Net::Socket::SELECT_READ)) return false;
      char chunk[4096];
      const int received = socket.receiveBytes(chunk, sizeof chunk);
      if (received <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(received));
    }
    return true;
  }
  static auto holds(std::string_view marker) {
    return [marker](const std::string& buffer) { return buffer.find(marker) != std::string::npos; };
  }
};

TEST_F(OpeningTest, TheUpgradeIsAnsweredOnlyOnceTheSessionHasSubscribed) {
  TestServerOptions options;
  options.executorThreads = 1;
  TestServer server(options);
  // Hold the only executor thread, so nothing the executor runs can have subscribed the
  // client by the time it reads its 101: only a subscription made before the answer counts.
  std::promise<void> running;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(server.executor().post([&running, released] {
    running.set_value();
    released.wait();
  }));
  running.get_future().wait();

  Poco::Net::StreamSocket client = connect(server.port(), kUpgrade);
  std::string buffer;
  const bool answered = readUntil(client, buffer, holds("\r\n\r\n"));
  const std::shared_ptr<core::Topic> topic = server.broker().find("chat");
  const std::uint64_t subscribersAtOpen = topic ? topic->stats().subscribers : 0;
  release.set_value();
  ASSERT_TRUE(answered) << buffer;
  ASSERT_EQ(buffer.rfind("HTTP/1.1 101 ", 0), 0u) << buffer;
  EXPECT_EQ(subscribersAtOpen, 1u) << "the 101 went out before the session had subscribed";

  // So a message published the moment the socket is open comes back, with no probing.
  buffer.erase(0, buffer.find("\r\n\r\n") + 4);
  EXPECT_EQ(server.publish("ann", "at once").status, 204);
  std::optional<ServerFrame> frame;
  ASSERT_TRUE(readUntil(client, buffer, [&frame](std::string& bytes) { return (frame = takeServerFrame(bytes)).has_value(); }));
  EXPECT_EQ(frame->payload, R"({"name":"ann","msg":"at once"})");
}

TEST_F(OpeningTest, AnswersToRequestsPipelinedBeforeTheUpgradeComeFirst) {
  TestServer server;
  Poco::Net::StreamSocket client =
      connect(server.port(), std::string("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") + kUpgrade);
  std::string buffer;
  ASSERT_TRUE(readUntil(client, buffer, holds("Sec-WebSocket-Accept"))) << buffer;
  EXPECT_EQ(buffer.rfind("HTTP/1.1 200 ", 0), 0u) << buffer;
  EXPECT_LT(buffer.find("HTTP/1.1 200 "), buffer.find("HTTP/1.1 101 "));
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
