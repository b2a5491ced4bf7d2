#include "sse_connection.h"

#include <gtest/gtest.h>

#include <vector>

#include "spread/core/manual_clock.h"
#include "spread/core/manual_executor.h"
#include "spread/transport/message_position.h"

namespace spread::plugins::sse {
namespace {

// Records what the connection writes, keeping the message a shared write points at.
class RecordingSink final : public transport::StreamSink {
 public:
  struct Write {
    std::string text;              // the whole piece as it would go out
    const core::Message* shared;   // the message whose bytes were shared, or null
  };
  void write(std::string bytes) override { writes.push_back(Write{std::move(bytes), nullptr}); }
  void write(std::string prefix, core::MessagePtr message, std::string_view suffix) override {
    writes.push_back(Write{prefix + message->bytes() + std::string(suffix), message.get()});
  }
  std::size_t bytesQueued() const override { return queued; }
  void close() override { ++closes; }

  std::vector<Write> writes;
  std::size_t queued = 0;
  int closes = 0;
};

class SseConnectionTest : public ::testing::Test {
 protected:
  core::MessagePtr message(std::string bytes) {
    return std::make_shared<const core::Message>(1, clock_.now(), core::Payload::raw(std::move(bytes)));
  }

  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  LiveSessions live_;
  std::shared_ptr<RecordingSink> sink_ = std::make_shared<RecordingSink>();
  std::shared_ptr<SseConnection> connection_ = std::make_shared<SseConnection>(sink_, executor_, live_);
};

TEST_F(SseConnectionTest, AMessageWithAPositionIsAnEventWithThatIdAndItsSharedBytesAsData) {
  std::string json = R"({"name":"a","msg":"ü"})";
  transport::stampChatPosition(json, 5, 0xab);
  const core::MessagePtr sent = message(json);
  connection_->send(std::span(&sent, 1));
  ASSERT_EQ(sink_->writes.size(), 1u);
  EXPECT_EQ(sink_->writes[0].text, "id: 00000000000000ab-5\ndata: " + json + "\n\n");
  EXPECT_EQ(sink_->writes[0].shared, sent.get());
}

TEST_F(SseConnectionTest, AMessageWithoutAPositionHasNoId) {
  const core::MessagePtr sent = message(R"({"name":"a","msg":"b"})");
  connection_->send(std::span(&sent, 1));
  ASSERT_EQ(sink_->writes.size(), 1u);
  EXPECT_EQ(sink_->writes[0].text, "data: {\"name\":\"a\",\"msg\":\"b\"}\n\n");
}

TEST_F(SseConnectionTest, RawBytesWithLineBreaksCannotForgeAField) {
  const core::MessagePtr sent = message("x\nid: forged\r\nevent: close");
  connection_->send(std::span(&sent, 1));
  ASSERT_EQ(sink_->writes.size(), 1u);
  EXPECT_EQ(sink_->writes[0].text, "data: x\ndata: id: forged\ndata: event: close\n\n");
}

TEST_F(SseConnectionTest, TextsPingsAndTheCloseAreEventsAndComments) {
  connection_->sendText(R"({"resume":"impossible","reason":"epoch changed"})");
  connection_->sendText(R"({"error":"no"})");
  connection_->ping();
  connection_->close(transport::CloseCode::kGoingAway, "server \"shutting\" down");
  connection_->close(transport::CloseCode::kPolicyViolation, "again");
  ASSERT_EQ(sink_->writes.size(), 4u);
  EXPECT_EQ(sink_->writes[0].text, "event: resume\ndata: {\"resume\":\"impossible\",\"reason\":\"epoch changed\"}\n\n");
  EXPECT_EQ(sink_->writes[1].text, "event: error\ndata: {\"error\":\"no\"}\n\n");
  EXPECT_EQ(sink_->writes[2].text.front(), ':');
  EXPECT_EQ(sink_->writes[3].text, "event: close\ndata: {\"code\":1001,\"reason\":\"server \\\"shutting\\\" down\"}\n\n");
  EXPECT_EQ(sink_->closes, 1);  // only the first close counts
}

TEST_F(SseConnectionTest, WhatIsQueuedIsTheSinks) {
  sink_->queued = 12345;
  EXPECT_EQ(connection_->bytesQueued(), 12345u);
}

TEST_F(SseConnectionTest, ConnectionsAreCountedWhileTheyExist) {
  EXPECT_EQ(live_.count(), 1u);
  connection_.reset();
  EXPECT_EQ(live_.count(), 0u);
}

TEST_F(SseConnectionTest, WithoutASessionTheSinksReportsPostNothing) {
  connection_->onDrained();
  connection_->onGone();
  EXPECT_EQ(executor_.pending(), 0u);
}

}  // namespace
}  // namespace spread::plugins::sse
