// Proves that a kept-alive publisher's connection is served by the I/O loops, raw bytes in
// and out: in order, with a publish that must wait for room answered once it gets it,
// refused while draining, and closed when idle.
#include <gtest/gtest.h>
#include <poll.h>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "test_server.h"

namespace spread::plugins::websocket::testing {
namespace {

using namespace std::chrono_literals;

struct RawReply {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

/// One kept-alive HTTP/1.1 connection, written by hand so that the test sees exactly what
/// the server sends, and when it hangs up.
class KeptAliveClient {
 public:
  explicit KeptAliveClient(std::uint16_t port) : socket_(Poco::Net::SocketAddress("127.0.0.1", port)) {}

  void send(const std::string& bytes) { socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size())); }

  void sendPublish(const std::string& body, const std::string& target = "/publish") {
    send("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body);
  }

  /// The next response, or nullopt if the server hung up or 5 s passed first.
  std::optional<RawReply> read() {
    std::size_t headEnd;
    while ((headEnd = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    RawReply reply;
    reply.head = buffer_.substr(0, headEnd + 2);
    reply.status = std::stoi(reply.head.substr(9, 3));
    std::size_t length = 0;
    const std::size_t at = reply.head.find("\r\nContent-Length: ");
    if (at != std::string::npos) length = std::stoul(reply.head.substr(at + 18));
    while (buffer_.size() < headEnd + 4 + length) {
      if (!fill()) return std::nullopt;
    }
    reply.body = buffer_.substr(headEnd + 4, length);
    buffer_.erase(0, headEnd + 4 + length);
    return reply;
  }

  /// True if the server closes the connection within 5 s, with nothing more sent.
  bool closedByServer() { return !fill() && buffer_.empty() && eof_; }

 private:
  bool fill() {
    pollfd ready{socket_.impl()->sockfd(), POLLIN, 0};
    if (::poll(&ready, 1, 5000) != 1) return false;
    char chunk[4096];
    const int got = socket_.receiveBytes(chunk, sizeof chunk);
    if (got <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(got));
    return true;
  }

  Poco::Net::StreamSocket socket_;
  std::string buffer_;
  bool eof_ = false;
};

// Header names and the "close" token are case-insensitive; Poco writes "Connection: Close".
bool saysClose(const RawReply& reply) {
  std::string head = reply.head;
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  return head.find("\r\nconnection: close\r\n") != std::string::npos;
}

// Checks there is a reply before reading its status, and says what came instead.
::testing::AssertionResult answered(const std::optional<RawReply>& reply, int status) {
  if (!reply) return ::testing::AssertionFailure() << "no answer: the server hung up, or 5 s passed";
  if (reply->status != status) return ::testing::AssertionFailure() << "answered " << reply->head << reply->body;
  return ::testing::AssertionSuccess();
}

std::string chat(const std::string& msg) { return R"({"name":"pub","msg":")" + msg + "\"}"; }

TEST(KeepAliveHttpTest, APublishersLaterRequestsAreServedByTheLoopsInOrder) {
  TestServer server;
  auto subscriber = server.subscribe();
  ASSERT_EQ(server.transport().clientConnections(), 1u);
  KeptAliveClient publisher(server.port());
  constexpr int kPublishes = 200;
  for (int i = 0; i < kPublishes; ++i) {
    publisher.sendPublish(chat(std::to_string(i)));
    const std::optional<RawReply> reply = publisher.read();
    ASSERT_TRUE(reply) << "no answer to publish " << i;
    ASSERT_EQ(reply->status, 204) << reply->head << reply->body;
    // No Content-Length on a 204 (RFC 9110 8.6).
    EXPECT_EQ(reply->head.find("Content-Length"), std::string::npos) << reply->head;
  }
  EXPECT_EQ(server.transport().clientConnections(), 2u);  // the subscriber and the publisher
  for (int i = 0; i < kPublishes; ++i) ASSERT_EQ(receiveText(*subscriber), chat(std::to_string(i)));
  EXPECT_EQ(server.metrics().publishedCount(), static_cast<std::uint64_t>(kPublishes));
}

/// Holds an executor thread from construction until release() (or the end of the scope, so
/// that a failed assertion does not leave the server's shutdown waiting for it).
class ExecutorHold {
 public:
  explicit ExecutorHold(core::Executor& executor) {
    std::promise<void> running;
    std::shared_future<void> released = release_.get_future().share();
    executor.post([&running, released] {
      running.set_value();
      released.wait();
    });
    running.get_future().wait();
  }
  ~ExecutorHold() { release(); }
  ExecutorHold(const ExecutorHold&) = delete;
  ExecutorHold& operator=(const ExecutorHold&) = delete;

  void release() {
    if (released_) return;
    released_ = true;
    release_.set_value();
  }

 private:
  std::promise<void> release_;
  bool released_ = false;
};

TEST(KeepAliveHttpTest, APublishThatMustWaitForRoomIsAnsweredOnceItIsAccepted) {
  TestServerOptions options;
  options.broker.topic.inboundMessagesMax = 1;
  options.session.publishWaitMax = 10s;
  options.executorThreads = 1;
  TestServer server(options);
  auto subscriber = server.subscribe();
  KeptAliveClient publisher(server.port());
  publisher.sendPublish(chat("first"));
  ASSERT_TRUE(answered(publisher.read(), 204));
  ASSERT_EQ(receiveText(*subscriber), chat("first"));

  // Hold the only executor thread, so that nothing is fanned out: the inbound queue fills.
  ExecutorHold hold(server.executor());

  publisher.sendPublish(chat("second"));  // takes the only inbound place
  ASSERT_TRUE(answered(publisher.read(), 204));
  publisher.sendPublish(chat("third"));  // must wait for room, which needs the executor
  // Nothing signals that a publish has begun to wait, so look until it has.
  const std::shared_ptr<core::Topic> topic = server.broker().find("chat");
  ASSERT_TRUE(topic);
  const auto giveUp = std::chrono::steady_clock::now() + 5s;
  while (topic->stats().waitingPublishes == 0 && std::chrono::steady_clock::now() < giveUp) {
    std::this_thread::yield();
  }
  ASSERT_EQ(topic->stats().waitingPublishes, 1u);
  hold.release();
  const std::optional<RawReply> third = publisher.read();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 204) << third->body;
  EXPECT_EQ(receiveText(*subscriber), chat("second"));
  EXPECT_EQ(receiveText(*subscriber), chat("third"));
}

TEST(KeepAliveHttpTest, APublishWithoutRoomIs503WithRetryAfterAndTheConnectionStays) {
  TestServerOptions options;
  options.broker.topic.inboundMessagesMax = 1;
  // No wait: a waiting publish's deadline is an executor timer, and the test holds the executor.
  options.session.publishWaitMax = 0ms;
  options.executorThreads = 1;
  TestServer server(options);
  auto subscriber = server.subscribe();
  KeptAliveClient publisher(server.port());

  // Hold the only executor thread, so that nothing is fanned out: the inbound queue fills.
  ExecutorHold hold(server.executor());

  publisher.sendPublish(chat("accepted"));  // takes the only inbound place
  ASSERT_TRUE(answered(publisher.read(), 204));
  publisher.sendPublish(chat("refused"));  // finds no room
  const std::optional<RawReply> refused = publisher.read();
  hold.release();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503) << refused->head;
  EXPECT_NE(refused->head.find("\r\nRetry-After: 1"), std::string::npos) << refused->head;
  EXPECT_EQ(refused->body, R"({"error":"the topic is busy; try again shortly"})");
  EXPECT_FALSE(saysClose(*refused)) << refused->head;

  // Nothing accepted was lost, and the same connection publishes again once there is room.
  EXPECT_EQ(receiveText(*subscriber), chat("accepted"));
  publisher.sendPublish(chat("later"));
  ASSERT_TRUE(answered(publisher.read(), 204));
  EXPECT_EQ(receiveText(*subscriber), chat("later"));
  EXPECT_EQ(server.metrics().publishedCount(), 2u);
}

TEST(KeepAliveHttpTest, WhileDrainingAPublishIs503AndTheConnectionCloses) {
  TestServer server;
  KeptAliveClient publisher(server.port());
  publisher.sendPublish(chat("before"));
  ASSERT_TRUE(answered(publisher.read(), 204));
  publisher.sendPublish(chat("still open"));
  ASSERT_TRUE(answered(publisher.read(), 204));
  server.publisher().beginDrain();
  publisher.sendPublish(chat("too late"));
  const std::optional<RawReply> reply = publisher.read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 503);
  EXPECT_TRUE(saysClose(*reply)) << reply->head;
  EXPECT_NE(reply->body.find("shutting down"), std::string::npos) << reply->body;
  EXPECT_TRUE(publisher.closedByServer());
}

TEST(KeepAliveHttpTest, AnIdleConnectionIsClosed) {
  TestServer server(withConfig({{"httpIdleTimeoutMs", "100"}}));
  KeptAliveClient publisher(server.port());
  for (const char* msg : {"one", "two"}) {
    publisher.sendPublish(chat(msg));
    ASSERT_TRUE(answered(publisher.read(), 204));
  }
  EXPECT_TRUE(publisher.closedByServer());
  EXPECT_EQ(server.transport().clientConnections(), 0u);
}

TEST(KeepAliveHttpTest, AMalformedRequestIs400ThenTheConnectionCloses) {
  TestServer server;
  KeptAliveClient publisher(server.port());
  publisher.sendPublish(chat("first"));
  ASSERT_TRUE(answered(publisher.read(), 204));
  publisher.send("POST /publish HTTP/1.1\r\nContent-Length: many\r\n\r\n");
  const std::optional<RawReply> reply = publisher.read();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_NE(reply->body.find("\"field\":\"Content-Length\""), std::string::npos) << reply->body;
  EXPECT_TRUE(publisher.closedByServer());
}

TEST(KeepAliveHttpTest, EverySubscriberGetsEveryMessageWhileThePublisherIsServedBetweenWrites) {
  // With many subscribers on the one loop, a pass of writes stops every few dozen sockets
  // to serve the publisher; the writes its publishes ask for meanwhile must still happen.
  TestServer server;
  constexpr std::size_t kSubscribers = 300;
  constexpr int kMessages = 100;
  std::vector<std::unique_ptr<RawClient>> subscribers;
  for (std::size_t i = 0; i < kSubscribers; ++i) {
    subscribers.push_back(std::make_unique<RawClient>(server.port()));
    ASSERT_TRUE(subscribers.back()->upgraded()) << subscribers.back()->handshakeResponse();
  }
  for (auto& subscriber : subscribers) subscriber->send(textFrame("{}"));
  for (auto& subscriber : subscribers) ASSERT_TRUE(subscriber->readFrame()) << "a probe went unanswered";

  KeptAliveClient publisher(server.port());
  for (int i = 0; i < kMessages; ++i) {
    publisher.sendPublish(chat(std::to_string(i)));
    ASSERT_TRUE(answered(publisher.read(), 204));
  }
  for (std::size_t s = 0; s < kSubscribers; ++s) {
    for (int i = 0; i < kMessages; ++i) {
      std::optional<ServerFrame> frame = subscribers[s]->readFrame();
      ASSERT_TRUE(frame) << "subscriber " << s << " is missing message " << i;
      ASSERT_EQ(frame->payload, chat(std::to_string(i))) << "subscriber " << s;
    }
  }
}

TEST(KeepAliveHttpTest, ABodyNoRouteReadsIsNeverTakenForTheNextRequest) {
  TestServer server;
  // The body of a request no route reads is still framed by the parser, so the request
  // after it is the one the client sent, on the same connection, not the body.
  KeptAliveClient client(server.port());
  const std::string body = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  client.send("POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
              body + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::optional<RawReply> notFound = client.read();
  ASSERT_TRUE(notFound);
  EXPECT_EQ(notFound->status, 404);
  EXPECT_FALSE(saysClose(*notFound)) << notFound->head;
  const std::optional<RawReply> health = client.read();
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, R"({"status":"serving"})");
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
