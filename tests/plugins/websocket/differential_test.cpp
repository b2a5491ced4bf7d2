// The same client bytes sent to the real server on 127.0.0.1 (epoll loops, real sockets,
// thread pool) and to the same protocol stack on the in-memory network (virtual loops and
// time): both must answer with the same bytes, Date headers aside. Each case ends with the
// server ending the stream, so both sides are read to the end.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "client_frames.h"
#include "memory_stack.h"
#include "test_server.h"

namespace spread::plugins::websocket::testing {
namespace {

struct Case {
  std::string name;
  std::string bytes;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

std::string upgrade(const std::string& target = "/subscribe") {
  return "GET " + target +
         " HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

std::string request(const std::string& method, const std::string& target, const std::string& headers = {},
                    const std::string& body = {}) {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + headers;
  if (!body.empty() || method == "POST") out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return out + "\r\n" + body;
}

const std::string kJson = "Content-Type: application/json\r\n";
const std::string kClose = "Connection: close\r\n";

std::vector<Case> cases() {
  const std::string chat = R"({"name":"ann","msg":"hi"})";
  return {
      {"Healthz", request("GET", "/healthz", kClose)},
      {"HeadOfThePage", request("HEAD", "/", kClose)},
      {"UnknownPath", request("GET", "/nope", kClose)},
      {"WrongMethod", request("DELETE", "/publish", kClose)},
      {"Publish", request("POST", "/publish", kJson + kClose, chat)},
      {"PublishBadJson", request("POST", "/publish", kJson + kClose, "{nope")},
      {"PublishWrongType", request("POST", "/publish", "Content-Type: text/plain\r\n" + kClose, chat)},
      {"PublishTooLarge", request("POST", "/publish", kJson + kClose, std::string(70'000, 'x'))},
      {"PublishBadTopic", request("POST", "/publish?topic=" + std::string(65, 't'), kJson + kClose, chat)},
      {"Pipelined", request("GET", "/healthz") + request("POST", "/publish", kJson, chat) +
                        request("GET", "/nope", kClose)},
      {"NoHost", "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n"},
      {"HeaderWithoutColon", "GET /healthz HTTP/1.1\r\nHost: localhost\r\nnonsense\r\n\r\n"},
      {"ContentLengthNotANumber", "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Length: many\r\n\r\n"},
      {"TwoContentLengths",
       "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"},
      {"ChunkedAndLength", "POST /publish HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                           "Content-Length: 2\r\n\r\n{}"},
      {"UnknownVersion", "GET /healthz HTTP/9.9\r\nHost: localhost\r\n\r\n"},
      {"HeadTooLarge", request("GET", "/healthz", "X-Big: " + std::string(9000, 'b') + "\r\n" + kClose)},
      // A refused upgrade leaves the connection to HTTP, which answers what follows.
      {"UpgradeBadTopic", upgrade("/subscribe?topic=" + std::string(65, 't')) + request("GET", "/nope", kClose)},
      {"UpgradeWithoutKey", "GET /subscribe HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"},
      {"UpgradeWrongVersion", "GET /subscribe HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 8\r\n\r\n"},
      {"FrameInvalidUtf8", upgrade() + textFrame("\xFF\xFE")},
      {"FrameUnmasked", upgrade() + clientFrame({Opcode::kText, chat, true, 0, false})},
      {"FrameBinary", upgrade() + clientFrame({Opcode::kBinary, std::string("\x00\x01", 2)})},
      {"FrameReservedBits", upgrade() + clientFrame({Opcode::kText, chat, true, 4})},
      {"FrameTooBig", upgrade() + textFrame(std::string(70'000, 'b'))},
      {"FrameBadCloseCode", upgrade() + clientFrame({Opcode::kClose, closePayload(1005)})},
      {"PingThenClose", upgrade() + clientFrame({Opcode::kPing, "p"}) + clientFrame({Opcode::kClose, closePayload(1000)})},
      {"OwnMessageThenClose", upgrade() + textFrame(chat) + clientFrame({Opcode::kClose, closePayload(1000)})},
      {"BadChatThenClose", upgrade() + textFrame("{}") + clientFrame({Opcode::kClose, closePayload(1000)})},
  };
}

/// Sends `bytes` to 127.0.0.1:`port` and reads until the server ends the stream (or 5 s).
std::string exchangeWithRealServer(std::uint16_t port, const std::string& bytes, bool& ended) {
  ended = false;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may refuse before reading everything
    sent += static_cast<std::size_t>(n);
  }
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) break;
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      ended = true;  // the end of the stream, or a reset after it
      break;
    }
    received.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return received;
}

class DifferentialTest : public ::testing::TestWithParam<Case> {
 protected:
  static std::map<std::string, std::string> config() { return {{"allowedOrigins", "*"}}; }
};

TEST_P(DifferentialTest, TheMemoryStackAnswersAsTheRealServerDoes) {
  TestServer real(withConfig(config()));
  bool realEnded = false;
  const std::string fromReal = withoutDates(exchangeWithRealServer(real.port(), GetParam().bytes, realEnded));

  MemoryStack memory(config());
  bool memoryEnded = false;
  const std::string fromMemory = withoutDates(memory.exchange(GetParam().bytes, std::chrono::seconds(5), &memoryEnded));

  ASSERT_FALSE(fromReal.empty()) << "the real server said nothing";
  EXPECT_TRUE(realEnded) << "every case ends with the server ending the stream";
  EXPECT_TRUE(memoryEnded);
  EXPECT_EQ(fromMemory, fromReal);
}

INSTANTIATE_TEST_SUITE_P(SameBytes, DifferentialTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace spread::plugins::websocket::testing
