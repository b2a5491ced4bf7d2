// GET /events (the SSE plugin's endpoint) on the WebSocket transport's protocol stack, on the
// in-memory network and virtual time: the stream is admitted as /subscribe is, counts as a
// connection against the limits, and a reader that stops reading is dropped as a slow
// consumer, with the close event last.
#include <gtest/gtest.h>

#include "events_endpoint.h"
#include "live_sessions.h"
#include "memory_stack.h"

namespace spread::plugins::websocket::testing {
namespace {

using namespace std::chrono_literals;
using Config = std::map<std::string, std::string>;

std::string events(const std::string& query = "", const std::string& extra = "") {
  return "GET /events" + query + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
}

std::string post(const std::string& body) {
  return "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close"
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The SSE plugin's endpoint registered on a stack; `live` outlives the stack's connections.
class StreamStack {
 public:
  explicit StreamStack(Config config = {}, transport::SessionOptions session = {}) : stack(std::move(config), session) {
    stack.streams().add(std::make_shared<sse::EventsEndpoint>(stack.context(), 1500ms, live));
  }
  sse::LiveSessions live;
  MemoryStack stack;
};

// The body with its chunk framing taken out (chunk sizes are checked against the data).
std::string unchunk(std::string_view body) {
  std::string out;
  while (!body.empty()) {
    const std::size_t line = body.find("\r\n");
    if (line == std::string_view::npos) break;
    const std::size_t size = std::stoul(std::string(body.substr(0, line)), nullptr, 16);
    if (body.size() < line + 2 + size + 2) break;  // a partial chunk: what came so far
    out += body.substr(line + 2, size);
    body.remove_prefix(line + 2 + size + 2);
    if (size == 0) out += "<end>";
  }
  return out;
}

TEST(MemoryStreamTest, AStreamIsAChunkedEventStreamOfWhatIsPublished) {
  StreamStack streams;
  MemoryStack& stack = streams.stack;
  const int client = stack.connect();
  stack.send(client, events("?topic=chat"));  // the topic a publish without one goes to
  stack.settle();
  std::string received = stack.take(client);
  const std::size_t head = received.find("\r\n\r\n");
  ASSERT_NE(head, std::string::npos) << received;
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received;
  EXPECT_NE(received.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(received.find("Content-Length"), std::string::npos);
  EXPECT_EQ(stack.exchange(post(R"({"name":"ann","msg":"hello"})")).rfind("HTTP/1.1 204", 0), 0u);
  stack.settle();
  received += stack.take(client);
  EXPECT_EQ(unchunk(received.substr(head + 4)), "retry: 1500\n\ndata: {\"name\":\"ann\",\"msg\":\"hello\"}\n\n");
  EXPECT_EQ(streams.live.count(), 1u);
}

TEST(MemoryStreamTest, AnHttp10StreamIsEndedByTheConnectionNotByChunks) {
  StreamStack streams;
  MemoryStack& stack = streams.stack;
  const int client = stack.connect();
  stack.send(client, "GET /events HTTP/1.0\r\n\r\n");
  stack.settle();
  const std::string received = stack.take(client);
  const std::size_t head = received.find("\r\n\r\n");
  ASSERT_NE(head, std::string::npos) << received;
  EXPECT_EQ(received.find("Transfer-Encoding"), std::string::npos) << received;
  EXPECT_NE(received.find("Connection: close\r\n"), std::string::npos) << received;
  EXPECT_EQ(received.find("keep-alive"), std::string::npos) << received;
  EXPECT_EQ(received.substr(head + 4), "retry: 1500\n\n");
}

TEST(MemoryStreamTest, AStreamIsAdmittedAsASubscriptionIs) {
  StreamStack streams;
  MemoryStack& stack = streams.stack;
  const std::string origin = stack.exchange(events("?topic=room", "Origin: http://elsewhere.example\r\n"));
  EXPECT_EQ(origin.rfind("HTTP/1.1 403", 0), 0u) << origin;
  EXPECT_NE(origin.find("\"field\":\"Origin\""), std::string::npos);
  const std::string topic = stack.exchange(events("?topic=" + std::string(200, 't')));
  EXPECT_EQ(topic.rfind("HTTP/1.1 400", 0), 0u) << topic;
  const std::string last = stack.exchange(events("?topic=room", "Last-Event-ID: 12\r\n"));
  EXPECT_EQ(last.rfind("HTTP/1.1 400", 0), 0u) << last;
  EXPECT_NE(last.find("\"field\":\"Last-Event-ID\""), std::string::npos);
  const std::string head = stack.exchange("HEAD /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(head.rfind("HTTP/1.1 405", 0), 0u) << head;
  EXPECT_EQ(streams.live.count(), 0u);  // nothing refused left a session behind
}

TEST(MemoryStreamTest, AnOpenStreamCountsAgainstConnectionsMaxUntilItEnds) {
  StreamStack streams(Config{{"connectionsMax", "1"}});
  MemoryStack& stack = streams.stack;
  const int client = stack.connect();
  stack.send(client, events("?topic=room"));
  stack.settle();
  ASSERT_EQ(stack.take(client).rfind("HTTP/1.1 200", 0), 0u);
  const std::string refused = stack.exchange(events("?topic=room"));
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  stack.network().clientReset(client);
  stack.settle();
  EXPECT_EQ(streams.live.count(), 0u);  // the session heard the client go
  const int next = stack.connect();
  stack.send(next, events("?topic=room"));
  stack.settle();
  EXPECT_EQ(stack.take(next).rfind("HTTP/1.1 200", 0), 0u);
}

TEST(MemoryStreamTest, AReaderThatStopsReadingIsDroppedAsTooSlowWithTheCloseEventLast) {
  transport::SessionOptions session;
  session.queue = core::QueueLimits{4, 1 << 20};
  session.sendWindowBytes = 1024;
  StreamStack streams({}, session);
  MemoryStack& stack = streams.stack;
  MemoryNetwork::LinkOptions small;
  small.clientReceiveBytes = 2048;
  const int reader = stack.connect(small);
  stack.send(reader, events("?topic=chat"));
  stack.settle();
  std::string received = stack.take(reader);  // the head, then it stops reading
  const std::string msg(400, 'm');
  for (int i = 0; i < 40; ++i) stack.exchange(post(R"({"name":"ann","msg":")" + msg + "\"}"));
  bool ended = false;
  received += stack.collect(reader, 3s, &ended);
  EXPECT_TRUE(ended);
  const std::string body = unchunk(received.substr(received.find("\r\n\r\n") + 4));
  const std::string close = "event: close\ndata: {\"code\":1008,\"reason\":\"too slow to keep up\"}\n\n<end>";
  ASSERT_GE(body.size(), close.size()) << body;
  EXPECT_EQ(body.substr(body.size() - close.size()), close) << body;
  std::size_t delivered = 0;
  for (std::size_t at = body.find("data: {\"name\""); at != std::string::npos; at = body.find("data: {\"name\"", at + 1)) {
    ++delivered;
  }
  EXPECT_GT(delivered, 0u);
  EXPECT_LT(delivered, 40u);
  stack.settle();
  EXPECT_EQ(streams.live.count(), 0u);
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
