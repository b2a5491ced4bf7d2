// Proves the HTTP side of the WebSocket transport against a real in-process server on
// 127.0.0.1: publish fans out to subscribers, topics stay apart, and every refusal has its
// status and a JSON body naming the problem. Oversized bodies are refused from the header.
#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>

#include <memory>
#include <vector>

#include "client_library.h"
#include "test_server.h"
#include "web/spread_js.h"

namespace spread::plugins::websocket::testing {
namespace {

using transport::Rejection;

TEST(HttpApiTest, PublishFansOutToEverySubscriber) {
  TestServer server;
  auto alice = server.subscribe();
  auto bob = server.subscribe();
  const HttpReply reply = server.publish("carol", "hello, \"world\"");
  EXPECT_EQ(reply.status, 204);
  EXPECT_TRUE(reply.body.empty());
  const std::string expected = R"({"name":"carol","msg":"hello, \"world\""})";
  EXPECT_EQ(receiveText(*alice), expected);
  EXPECT_EQ(receiveText(*bob), expected);
  EXPECT_EQ(server.metrics().publishedCount(), 1u);
}

TEST(HttpApiTest, TopicsAreIsolated) {
  TestServer server;
  auto lobby = server.subscribe("/subscribe?topic=lobby");
  auto kitchen = server.subscribe("/subscribe?topic=kitchen");
  ASSERT_EQ(server.publish("a", "to the kitchen", "/publish?topic=kitchen").status, 204);
  ASSERT_EQ(server.publish("b", "to the lobby", "/publish?topic=lobby").status, 204);
  EXPECT_EQ(receiveText(*kitchen), R"({"name":"a","msg":"to the kitchen"})");
  EXPECT_EQ(receiveText(*lobby), R"({"name":"b","msg":"to the lobby"})");
}

TEST(HttpApiTest, DefaultTopicIsChat) {
  TestServer server;
  auto chat = server.subscribe("/subscribe?topic=chat");
  ASSERT_EQ(server.publish("a", "default").status, 204);
  EXPECT_EQ(receiveText(*chat), R"({"name":"a","msg":"default"})");
}

TEST(HttpApiTest, BadMessagesAreRefusedNamingTheField) {
  TestServer server;
  struct Case {
    std::string body;
    std::string field;
  };
  for (const Case& c : {Case{R"({"msg":"no name"})", "name"}, Case{R"({"name":"n","msg":""})", "msg"},
                        Case{R"({"name":"n","msg":"m")", ""}, Case{"not json", ""}}) {
    const HttpReply reply = server.request("POST", "/publish", c.body);
    EXPECT_EQ(reply.status, 400) << c.body;
    EXPECT_EQ(reply.contentType, "application/json");
    EXPECT_NE(reply.body.find("\"error\":"), std::string::npos) << reply.body;
    if (!c.field.empty()) {
      EXPECT_NE(reply.body.find("\"field\":\"" + c.field + "\""), std::string::npos) << reply.body;
    }
  }
  EXPECT_EQ(server.metrics().rejectedCount(Rejection::kBadRequest), 4u);
}

TEST(HttpApiTest, BadTopicNamesAreRefusedBeforeAnythingElse) {
  TestServer server;
  for (const std::string target : {"/publish?topic=", "/publish?topic=-dash", "/publish?topic=has%20space"}) {
    const HttpReply reply = server.request("POST", target, R"({"name":"n","msg":"m"})");
    EXPECT_EQ(reply.status, 400) << target;
    EXPECT_NE(reply.body.find("\"field\":\"topic\""), std::string::npos) << reply.body;
    EXPECT_NE(reply.body.find("topic name"), std::string::npos) << reply.body;
  }
  const HttpReply subscribe = server.request("GET", "/subscribe?topic=" + std::string(65, 'x'));
  EXPECT_EQ(subscribe.status, 400);
  EXPECT_NE(subscribe.body.find("\"field\":\"topic\""), std::string::npos) << subscribe.body;
  EXPECT_EQ(server.metrics().rejectedCount(Rejection::kBadTopic), 4u);
}

TEST(HttpApiTest, WrongMethodIs405WithAllow) {
  TestServer server;
  HttpReply put = server.request("PUT", "/publish", "{}");
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.headers["Allow"], "POST");
  EXPECT_NE(put.body.find("\"error\":\"method PUT"), std::string::npos) << put.body;
  HttpReply post = server.request("POST", "/subscribe", "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["Allow"], "GET");
  EXPECT_EQ(server.metrics().rejectedCount(Rejection::kMethodNotAllowed), 2u);
}

TEST(HttpApiTest, UnknownPathIs404) {
  TestServer server;
  const HttpReply reply = server.request("GET", "/nowhere?x=1");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.contentType, "application/json");
  EXPECT_NE(reply.body.find("/nowhere"), std::string::npos) << reply.body;
  EXPECT_EQ(server.metrics().rejectedCount(Rejection::kNotFound), 1u);
}

TEST(HttpApiTest, PlainGetOnSubscribeIs426) {
  TestServer server;
  HttpReply reply = server.request("GET", "/subscribe");
  EXPECT_EQ(reply.status, 426);
  EXPECT_EQ(reply.headers["Upgrade"], "websocket");
  EXPECT_NE(reply.body.find("WebSocket upgrade"), std::string::npos) << reply.body;
  EXPECT_EQ(server.metrics().rejectedCount(Rejection::kUpgradeRequired), 1u);
}

// Sends raw request bytes and returns everything the server answers until it closes.
std::string rawExchange(std::uint16_t port, const std::string& bytes) {
  Poco::Net::StreamSocket socket;
  socket.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(5, 0));
  socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string answer;
  char chunk[4096];
  while (socket.poll(Poco::Timespan(5, 0), Poco::Net::Socket::SELECT_READ)) {
    int received = 0;
    try {
      received = socket.receiveBytes(chunk, sizeof chunk);
    } catch (const Poco::Net::NetException&) {
      break;
    }
    if (received <= 0) break;
    answer.append(chunk, static_cast<std::size_t>(received));
  }
  return answer;
}

TEST(HttpApiTest, BadHandshakesAreRefusedNamingTheHeader) {
  TestServer server;
  const std::string upgrade = "GET /subscribe HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  const std::string badKey = rawExchange(server.port(), upgrade +
                                                            "Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_EQ(badKey.rfind("HTTP/1.1 400", 0), 0u) << badKey;
  EXPECT_NE(badKey.find("\"field\":\"Sec-WebSocket-Key\""), std::string::npos) << badKey;

  const std::string oldVersion = rawExchange(server.port(), upgrade +
                                                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                                                "Sec-WebSocket-Version: 8\r\n\r\n");
  EXPECT_EQ(oldVersion.rfind("HTTP/1.1 426", 0), 0u) << oldVersion;
  EXPECT_NE(oldVersion.find("Sec-WebSocket-Version: 13"), std::string::npos) << oldVersion;
}

TEST(HttpApiTest, HandshakeAnswersWithTheRfcAcceptKey) {
  TestServer server;
  RawClient client(server.port());
  // The example key and answer from RFC 6455 section 1.3.
  EXPECT_TRUE(client.upgraded()) << client.handshakeResponse();
  EXPECT_NE(client.handshakeResponse().find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos)
      << client.handshakeResponse();
}

TEST(HttpApiTest, OversizedBodyIsRefusedFromContentLengthWithoutReadingIt) {
  TestServer server(withConfig({{"bodyBytesMax", "64"}}));
  // Only the headers are sent: a server that tried to read the body would wait, not answer.
  const std::string answer = rawExchange(server.port(),
                                         "POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                         "Content-Length: 100000000\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("exceeds 64 bytes"), std::string::npos) << answer;
  EXPECT_EQ(server.metrics().rejectedCount(Rejection::kTooLarge), 1u);
}

TEST(HttpApiTest, OversizedChunkedBodyIsRefusedAtTheLimit) {
  TestServer server(withConfig({{"bodyBytesMax", "64"}}));
  // One chunk past the limit, and no final chunk: reading to the end would wait forever.
  const std::string chunk(100, 'x');
  const std::string answer = rawExchange(server.port(),
                                         "POST /publish HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                         "64\r\n" + chunk + "\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_EQ(server.metrics().rejectedCount(Rejection::kTooLarge), 1u);
}

TEST(HttpApiTest, BodyWithoutALengthIsEmpty) {
  TestServer server;
  // HTTP/1.1: no Content-Length and no chunking means no body, so the message is missing.
  const std::string answer = rawExchange(server.port(),
                                         "POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                         "Connection: close\r\n\r\n" R"({"name":"n","msg":"m"})");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
}

TEST(HttpApiTest, DrainingRefusesPublishAndSubscribeAndFailsHealth) {
  TestServer server;
  EXPECT_EQ(server.request("GET", "/healthz").status, 200);
  server.transport().beginDrain();
  const HttpReply publish = server.publish("n", "m");
  EXPECT_EQ(publish.status, 503);
  EXPECT_NE(publish.body.find("shutting down"), std::string::npos) << publish.body;
  EXPECT_EQ(RawClient(server.port()).handshakeResponse().rfind("HTTP/1.1 503", 0), 0u);
  const HttpReply health = server.request("GET", "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.body, R"({"status":"draining"})");
  EXPECT_EQ(server.metrics().rejectedCount(Rejection::kDraining), 2u);
}

TEST(HttpApiTest, HealthzAndMetrics) {
  TestServer server;
  const HttpReply health = server.request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"serving"})");

  auto subscriber = server.subscribe("/subscribe?topic=room1");
  ASSERT_EQ(server.publish("n", "m", "/publish?topic=room1").status, 204);
  ASSERT_EQ(receiveText(*subscriber), R"({"name":"n","msg":"m"})");
  // The I/O thread counts a delivery just after writing it; a ping answered by that same
  // thread afterwards proves the count has been made.
  subscriber->sendFrame("sync", 4, static_cast<int>(Poco::Net::WebSocket::FRAME_OP_PING) | Poco::Net::WebSocket::FRAME_FLAG_FIN);
  int flags = 0;
  EXPECT_EQ(receiveText(*subscriber, &flags), "sync");
  EXPECT_EQ(flags & Poco::Net::WebSocket::FRAME_OP_BITMASK, Poco::Net::WebSocket::FRAME_OP_PONG);
  const HttpReply metrics = server.request("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.contentType, "text/plain; version=0.0.4");
  EXPECT_NE(metrics.body.find("spread_connections 1\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("spread_subscribers{topic=\"room1\"} 1\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("spread_messages_published_total 1\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("spread_messages_delivered_total 1\n"), std::string::npos) << metrics.body;
}

TEST(HttpApiTest, IdleKeepAliveConnectionsHoldNoThread) {
  TestServer server;
  const std::size_t threadsBefore = threadCount();
  // Browser-like clients keep their connections open after one request. Each is only a
  // socket in an epoll loop, so however many there are, the next client is served.
  std::vector<std::unique_ptr<Poco::Net::HTTPClientSession>> idle;
  for (int i = 0; i < 64; ++i) {
    idle.push_back(std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", server.port()));
    idle.back()->setKeepAlive(true);
    idle.back()->setTimeout(Poco::Timespan(5, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    idle.back()->sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(idle.back()->receiveResponse(response), body);
    ASSERT_EQ(response.getStatus(), 200);
  }
  EXPECT_EQ(server.transport().clientConnections(), 64u);
  EXPECT_EQ(server.request("GET", "/healthz").status, 200);
  EXPECT_EQ(threadCount(), threadsBefore);
}

TEST(HttpApiTest, ServesTheChatPage) {
  TestServer server;
  const HttpReply page = server.request("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.contentType, "text/html; charset=utf-8");
  for (const char* id : {"id=\"name\"", "id=\"message\"", "id=\"send\"", "id=\"messages\"", "id=\"status\""}) {
    EXPECT_NE(page.body.find(id), std::string::npos) << id;
  }
  // The page reaches the server through the library it serves, at the page's own origin.
  EXPECT_NE(page.body.find("import { SpreadClient } from '/spread.js'"), std::string::npos);
  EXPECT_NE(page.body.find("url: location.origin"), std::string::npos);
  EXPECT_EQ(page.body.find("localhost:8000"), std::string::npos);
  EXPECT_EQ(page.body.find("innerHTML"), std::string::npos) << "user text is only set with textContent";
  // The inline module is allowed by its hash, /spread.js by 'self'; nothing else may run.
  EXPECT_NE(page.headers.at("Content-Security-Policy").find("script-src 'sha256-"), std::string::npos)
      << page.headers.at("Content-Security-Policy");
  EXPECT_NE(page.headers.at("Content-Security-Policy").find("=' 'self'; style-src"), std::string::npos);
}

TEST(HttpApiTest, ServesTheClientLibraryWithAnEtag) {
  TestServer server;
  const HttpReply library = server.request("GET", "/spread.js");
  EXPECT_EQ(library.status, 200);
  EXPECT_EQ(library.contentType, "text/javascript; charset=utf-8");
  EXPECT_EQ(library.body, std::string(spreadJs()));
  EXPECT_NE(library.body.find("export class SpreadClient"), std::string::npos);
  EXPECT_EQ(library.headers.at("Cache-Control"), "no-cache");
  const std::string etag = library.headers.at("ETag");
  EXPECT_EQ(etag, clientLibraryEtag());
  EXPECT_EQ(etag.size(), 34u) << etag;

  const HttpReply head = server.request("HEAD", "/spread.js");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.headers.at("Content-Length"), std::to_string(library.body.size()));

  // Revalidation: the current tag (strong, weak or among others) is 304 with no body.
  for (const std::string& tags : {etag, "W/" + etag, "\"old\", " + etag, std::string("*")}) {
    const HttpReply again = server.request("GET", "/spread.js", {}, {{"If-None-Match", tags}});
    EXPECT_EQ(again.status, 304) << tags;
    EXPECT_TRUE(again.body.empty()) << tags;
    EXPECT_EQ(again.headers.at("ETag"), etag);
  }
  const HttpReply stale = server.request("GET", "/spread.js", {}, {{"If-None-Match", "\"old\""}});
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body, library.body);

  const HttpReply post = server.request("POST", "/spread.js", "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers.at("Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
