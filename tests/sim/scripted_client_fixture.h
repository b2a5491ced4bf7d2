#pragma once

// What the tests of the scripted clients share: a SimObserver that records, and a fixture
// in which the test plays the server's side of the in-memory network by hand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client_world.h"
#include "io/memory_network.h"
#include "scripted_websocket.h"
#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"
#include "wire_bytes.h"

namespace spread::plugins::sim::testing {

inline constexpr ConnectionId kId = 1;

inline const std::string kSwitching =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: 8Iy0b6Y5CqRvCXvZZd/Yd1+eQ4Q=\r\n\r\n";

inline std::string jsonAnswer(int status, const std::string& phrase, const std::string& body) {
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
  void onCloseRequested(ConnectionId, transport::CloseCode, std::string_view) override {}
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

// The server's side of one connection at a time (handle_), played by the test on a
// MemoryNetwork with no latency unless a test asks for one, and the world the scripted
// clients share, reporting to observer_.
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
    websocket::MemoryNetwork::LinkOptions wire;
    wire.latency = link.latency;
    wire.clientReceiveBytes = link.windowBytes;
    handle_ = network_.connect(wire);
    auto client = std::make_shared<ScriptedWebSocket>(kId, handle_, link, world_);
    client->open(topic);
    settle();
    EXPECT_THAT(accepted_, ::testing::ElementsAre(handle_));
    return client;
  }

  // A client the server has answered 101.
  std::shared_ptr<ScriptedWebSocket> upgraded(LinkOptions link = instantLink()) {
    auto client = connect(link);
    EXPECT_THAT(serverRead(), ::testing::HasSubstr("GET /subscribe"));
    serverWrite(kSwitching);
    settle();
    return client;
  }

  void settle() { executor_.runUntilIdle(); }

  // Everything the client has sent that has reached the server; `last`: how the last read went.
  std::string serverRead(websocket::IoResult::Status* last = nullptr) {
    std::string out;
    char buffer[4096];
    for (int reads = 0; reads < 10'000; ++reads) {
      const websocket::IoResult result = network_.read(handle_, buffer);
      if (last != nullptr) *last = result.status;
      if (!result.done()) break;
      out.append(buffer, result.bytes);
    }
    return out;
  }

  // The server writes `bytes` whole; the client's window must have room for them.
  void serverWrite(std::string_view bytes) {
    const websocket::IoResult result = network_.write(handle_, bytes);
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
  websocket::MemoryNetwork network_{clock_, executor_};
  RecordingObserver observer_;
  ClientWorld world_{clock_, executor_, network_, &observer_, SplitMix(1), BugSwitches{}, nullptr};
  std::vector<int> accepted_;
  int handle_ = 0;
};


}  // namespace spread::plugins::sim::testing
