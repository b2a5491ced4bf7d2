// Proves one client can never hold up others: a subscriber that stops reading is dropped
// with 1008 while another receives every message; a half-sent frame blocks no thread; and
// shutdown finishes by its deadline even when a client's goodbye cannot be delivered.
// Publishing is paced by what the healthy reader has received, so no step needs a sleep.
#include <gtest/gtest.h>

#include <future>

#include "test_server.h"

namespace spread::plugins::websocket::testing {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<core::Topic> chatTopic(TestServer& server) {
  core::TopicLookup lookup = server.broker().topic("chat");
  EXPECT_TRUE(lookup.ok()) << lookup.error;
  return lookup.topic;
}

// Publishes `count` raw messages of `bytes` bytes straight into the topic, each tagged
// with its index; returns false if the topic refused one.
bool publishBatch(core::Topic& topic, std::size_t first, std::size_t count, std::size_t bytes) {
  for (std::size_t i = first; i < first + count; ++i) {
    std::string text = std::to_string(i) + ":";
    text.resize(bytes, 'x');
    if (topic.tryPublish(core::Payload::raw(std::move(text))) != core::PublishOutcome::kAccepted) return false;
  }
  return true;
}

// Reads `count` text frames, checking they carry indexes first..first+count-1 in order.
void expectBatch(RawClient& reader, std::size_t first, std::size_t count) {
  for (std::size_t i = first; i < first + count; ++i) {
    std::optional<ServerFrame> frame = reader.readFrame(5s);
    ASSERT_TRUE(frame) << "message " << i << " never arrived";
    ASSERT_EQ(frame->opcode, Opcode::kText) << "message " << i;
    ASSERT_EQ(frame->payload.substr(0, frame->payload.find(':')), std::to_string(i));
  }
}

TEST(FlowControlTest, StalledReaderIsDroppedWhileOthersGetEverything) {
  TestServerOptions options;
  options.session.queue = core::QueueLimits{16, 1 << 20};
  options.session.sendWindowBytes = 16 * 1024;
  options.config["closeTimeoutMs"] = "10000";  // long enough to read the stalled client's backlog
  TestServer server(options);
  auto healthy = server.subscribeRaw();
  auto stalled = server.subscribeRaw("/subscribe", 4096);  // never reads from here on
  auto topic = chatTopic(server);

  constexpr std::size_t kBatch = 8;  // half the queue: the healthy reader never nears its limit
  constexpr std::size_t kBatchesMax = 2000;
  std::size_t sent = 0;
  for (std::size_t batch = 0; batch < kBatchesMax && server.metrics().slowConsumersDroppedCount() == 0; ++batch) {
    ASSERT_TRUE(publishBatch(*topic, sent, kBatch, 8 * 1024));
    expectBatch(*healthy, sent, kBatch);
    sent += kBatch;
  }
  ASSERT_EQ(server.metrics().slowConsumersDroppedCount(), 1u) << "after " << sent << " messages";
  // The healthy reader keeps going after the drop.
  ASSERT_TRUE(publishBatch(*topic, sent, kBatch, 64));
  expectBatch(*healthy, sent, kBatch);

  // The stalled client, reading at last, finds its backlog and then the reason it was cut off.
  std::optional<ServerFrame> close = stalled->readUntil(Opcode::kClose, 10s);
  ASSERT_TRUE(close);
  EXPECT_EQ(close->closeCode(), 1008);
  EXPECT_EQ(close->closeReason(), "too slow to keep up");
}

TEST(FlowControlTest, HalfSentFrameBlocksNobody) {
  TestServer server(withConfig({{"ioThreads", "1"}}));
  auto slowpoke = server.subscribeRaw();
  auto reader = server.subscribeRaw();
  const std::string frame = textFrame(R"({"name":"slow","msg":"eventually"})");
  slowpoke->send(frame.substr(0, 3));  // part of the header, then nothing

  // The one I/O thread and the one HTTP thread both keep serving everyone else.
  ASSERT_EQ(server.publish("quick", "first").status, 204);
  std::optional<ServerFrame> quick = reader->readFrame();
  ASSERT_TRUE(quick);
  EXPECT_EQ(quick->payload, R"({"name":"quick","msg":"first"})");
  auto late = server.subscribeRaw();

  // The parser simply waited: the rest of the frame completes the message.
  slowpoke->send(frame.substr(3));
  std::optional<ServerFrame> eventually = reader->readFrame();
  ASSERT_TRUE(eventually);
  EXPECT_EQ(eventually->payload, R"({"name":"slow","msg":"eventually"})");
}

TEST(FlowControlTest, ShutdownWithAStalledClientFinishesByTheDeadline) {
  TestServerOptions options;
  options.session.queue = core::QueueLimits{1024, 64 << 20};
  options.session.sendWindowBytes = 64 * 1024;
  options.config["closeTimeoutMs"] = "10000";  // only the shutdown deadline can end the stalled one
  TestServer server(options);
  auto healthy = server.subscribeRaw();
  auto stalled = server.subscribeRaw("/subscribe", 4096);
  auto topic = chatTopic(server);

  // 6.4 MB: more than the stalled socket's buffers can hold (tcp_wmem caps at 4 MB), less
  // than its queue limit, so it stays subscribed with a backlog it cannot flush.
  constexpr std::size_t kBatch = 20;
  for (std::size_t sent = 0; sent < 200; sent += kBatch) {
    ASSERT_TRUE(publishBatch(*topic, sent, kBatch, 32 * 1024));
    expectBatch(*healthy, sent, kBatch);
  }

  constexpr auto kDeadline = 500ms;
  auto stopping = std::async(std::launch::async, [&server, kDeadline] { return server.shutdown(kDeadline); });
  // The healthy client gets the goodbye and answers it, as a browser would.
  std::optional<ServerFrame> goodbye = healthy->readUntil(Opcode::kClose, 5s);
  ASSERT_TRUE(goodbye);
  EXPECT_EQ(goodbye->closeCode(), 1001);
  EXPECT_EQ(goodbye->closeReason(), "server shutting down");
  healthy->send(clientFrame({Opcode::kClose, closePayload(1001)}));
  EXPECT_TRUE(healthy->waitForEof());

  // The deadline, not the goodbyes, ended stop(); the 5 s wait only bounds a hang.
  ASSERT_EQ(stopping.wait_for(5s), std::future_status::ready) << "stop() overran its deadline";
  EXPECT_EQ(stopping.get(), transport::StopOutcome::kDeadlineExceeded);
  EXPECT_EQ(server.transport().stats().connectionsOpen, 0u);
  EXPECT_EQ(server.metrics().connectionsOpen(), 0);
  EXPECT_TRUE(stalled->waitForEof(10s)) << "the stalled socket was closed";
}

TEST(FlowControlTest, ShutdownCompletesWhenEveryoneSaysGoodbye) {
  TestServer server;
  auto client = server.subscribeRaw();
  auto stopping = std::async(std::launch::async, [&server] { return server.shutdown(5s); });
  std::optional<ServerFrame> goodbye = client->readUntil(Opcode::kClose, 5s);
  ASSERT_TRUE(goodbye);
  EXPECT_EQ(goodbye->closeCode(), 1001);
  client->send(clientFrame({Opcode::kClose, closePayload(1001)}));
  ASSERT_EQ(stopping.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(stopping.get(), transport::StopOutcome::kCompleted);
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
