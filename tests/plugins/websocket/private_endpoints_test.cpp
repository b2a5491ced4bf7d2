// Proves the rules for /metrics, /status and /status.json on the public port, through the real
// parser and routes on the in-memory network (which sets the peer address each connection shows): loopback
// clients only by default, judged behind a trusted proxy by the client it names; 404 once an
// admin listener is configured; /healthz public either way. Also answerAdminRequest(), the
// admin listener's routes, without its sockets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "admin_routes.h"
#include "memory_stack.h"
#include "status_page.h"

namespace spread::plugins::websocket::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using transport::Rejection;
using Config = std::map<std::string, std::string>;

std::string get(const std::string& path, const std::string& extraHeaders = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extraHeaders + "\r\n";
}

// Sends `request` on a new connection from `peer` and returns all the server wrote.
std::string askFrom(MemoryStack& stack, const std::string& peer, const std::string& request) {
  MemoryNetwork::LinkOptions link;
  link.peerAddress = peer;
  const int handle = stack.connect(link);
  stack.send(handle, request);
  bool ended = false;
  std::string answer = stack.collect(handle, std::chrono::seconds(60), &ended);
  EXPECT_TRUE(ended) << "the server did not end the connection after: " << answer;
  return answer;
}

std::string bodyOf(const std::string& answer) {
  const std::size_t end = answer.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : answer.substr(end + 4);
}

TEST(PrivateEndpointsTest, MetricsAreServedToLoopbackClientsByDefault) {
  MemoryStack stack;
  for (const char* local : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
    const std::string answer = askFrom(stack, local, get("/metrics"));
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n")) << local;
    EXPECT_THAT(bodyOf(answer), HasSubstr("spread_rejected_total")) << local;
  }
  EXPECT_EQ(stack.metrics().rejectedCount(Rejection::kPrivateEndpoint), 0u);
}

TEST(PrivateEndpointsTest, ARemoteClientGets403NamingWhyAndTheKeyToSet) {
  MemoryStack stack;
  const std::string answer = askFrom(stack, "192.0.2.10", get("/metrics"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 403 Forbidden\r\n"));
  EXPECT_THAT(answer, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(bodyOf(answer), HasSubstr("/metrics is served only to clients on this machine (loopback), not to "
                                        "192.0.2.10; set transport.websocket.adminPort"));
  EXPECT_THAT(bodyOf(answer), Not(HasSubstr("spread_")));
  // Any method: the route's existence is not for the public either.
  EXPECT_THAT(askFrom(stack, "192.0.2.10", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                           "Connection: close\r\n\r\n"),
              StartsWith("HTTP/1.1 403 "));
  EXPECT_EQ(stack.metrics().rejectedCount(Rejection::kPrivateEndpoint), 2u);
  // Load balancers ask from anywhere.
  EXPECT_THAT(askFrom(stack, "192.0.2.10", get("/healthz")), StartsWith("HTTP/1.1 200 OK\r\n"));
}

TEST(PrivateEndpointsTest, AForgedForwardedForFromARemoteClientChangesNothing) {
  MemoryStack stack;
  EXPECT_THAT(askFrom(stack, "192.0.2.10", get("/metrics", "X-Forwarded-For: 127.0.0.1\r\n")),
              StartsWith("HTTP/1.1 403 "));
}

TEST(PrivateEndpointsTest, BehindATrustedProxyOnLoopbackTheClientItNamesIsJudged) {
  MemoryStack stack(Config{{"trustedProxies", "127.0.0.1"}});
  const std::string remote = askFrom(stack, "127.0.0.1", get("/metrics", "X-Forwarded-For: 203.0.113.7\r\n"));
  EXPECT_THAT(remote, StartsWith("HTTP/1.1 403 "));
  EXPECT_THAT(bodyOf(remote), HasSubstr("not to 203.0.113.7"));
  const std::string unnamed = askFrom(stack, "127.0.0.1", get("/metrics"));
  EXPECT_THAT(unnamed, StartsWith("HTTP/1.1 403 "));
  EXPECT_THAT(bodyOf(unnamed), HasSubstr("the trusted proxy 127.0.0.1 did not say which client"));
  EXPECT_THAT(askFrom(stack, "127.0.0.1", get("/metrics", "X-Forwarded-For: 127.0.0.1\r\n")),
              StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(stack.metrics().rejectedCount(Rejection::kPrivateEndpoint), 2u);
}

TEST(PrivateEndpointsTest, WithAnAdminPortTheMainPortHasNoMetricsRoute) {
  MemoryStack stack(Config{{"adminPort", "0"}});
  const std::string answer = askFrom(stack, "127.0.0.1", get("/metrics"));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_THAT(bodyOf(answer), HasSubstr("no such path: /metrics (it is served on the admin listener only)"));
  EXPECT_THAT(bodyOf(answer), Not(HasSubstr("spread_")));
  EXPECT_THAT(askFrom(stack, "127.0.0.1", get("/healthz")), StartsWith("HTTP/1.1 200 OK\r\n"));
}

TEST(PrivateEndpointsTest, TheStatusPageAndItsJsonFollowTheRulesOfMetrics) {
  MemoryStack stack;
  const std::string page = askFrom(stack, "127.0.0.1", get("/status"));
  EXPECT_THAT(page, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(page, HasSubstr("Content-Type: text/html; charset=utf-8\r\n"));
  EXPECT_THAT(page, HasSubstr("Content-Security-Policy: default-src 'none'; script-src 'sha256-"));
  EXPECT_THAT(bodyOf(page), HasSubstr("fetch('status.json'"));
  const std::string json = askFrom(stack, "::1", get("/status.json"));
  EXPECT_THAT(json, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(json, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(json, HasSubstr("Cache-Control: no-store\r\n"));
  EXPECT_THAT(bodyOf(json), HasSubstr(R"("refusals":{"bad_request":0,)"));
  // HEAD: the same head, no body.
  const std::string head =
      askFrom(stack, "127.0.0.1", "HEAD /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(bodyOf(head), "");
  const std::string post = askFrom(stack, "127.0.0.1",
                                   "POST /status.json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                                   "Connection: close\r\n\r\n");
  EXPECT_THAT(post, StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(post, HasSubstr("Allow: GET, HEAD\r\n"));
  EXPECT_EQ(stack.metrics().rejectedCount(Rejection::kPrivateEndpoint), 0u);

  for (const char* path : {"/status", "/status.json"}) {
    const std::string remote = askFrom(stack, "192.0.2.10", get(path));
    EXPECT_THAT(remote, StartsWith("HTTP/1.1 403 Forbidden\r\n")) << path;
    EXPECT_THAT(bodyOf(remote),
                HasSubstr(std::string(path) +
                          " is served only to clients on this machine (loopback), not to 192.0.2.10"));
    EXPECT_THAT(bodyOf(remote), Not(HasSubstr("subscribers")));
  }
  EXPECT_EQ(stack.metrics().rejectedCount(Rejection::kPrivateEndpoint), 2u);
}

TEST(PrivateEndpointsTest, WithAnAdminPortTheMainPortHasNoStatusRoutes) {
  MemoryStack stack(Config{{"adminPort", "0"}});
  for (const char* path : {"/status", "/status.json"}) {
    const std::string answer = askFrom(stack, "127.0.0.1", get(path));
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 404 Not Found\r\n")) << path;
    EXPECT_THAT(bodyOf(answer),
                HasSubstr("no such path: " + std::string(path) + " (it is served on the admin listener only)"));
  }
}

TEST(AdminRoutesTest, ServeHealthAndMetricsAndRefuseEverythingElseInJson) {
  MemoryStack stack;
  transport::TransportContext& context = stack.context();
  const HttpAnswer health = answerAdminRequest(context, "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"serving"})");
  const HttpAnswer metrics = answerAdminRequest(context, "HEAD", "/metrics?x=1");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("spread_messages_published_total"));

  const HttpAnswer post = answerAdminRequest(context, "POST", "/metrics");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.contentType, "application/json");
  EXPECT_THAT(post.body, HasSubstr("method POST is not allowed on /metrics; use GET, HEAD"));
  EXPECT_THAT(post.headers, ::testing::Contains(std::pair<std::string, std::string>("Allow", "GET, HEAD")));

  for (const char* elsewhere : {"/", "/publish", "/subscribe", "/metrics/"}) {
    const HttpAnswer missing = answerAdminRequest(context, "GET", elsewhere);
    EXPECT_EQ(missing.status, 404) << elsewhere;
    EXPECT_EQ(missing.contentType, "application/json");
    EXPECT_THAT(missing.body, HasSubstr("no such path on the admin listener: " + std::string(elsewhere)));
  }
  EXPECT_EQ(answerAdminRequest(context, "GET", "/%zz").status, 400);
  EXPECT_EQ(stack.metrics().rejectedCount(Rejection::kNotFound), 4u);
}

TEST(AdminRoutesTest, ServeTheStatusPageAndItsJson) {
  MemoryStack stack;
  transport::TransportContext& context = stack.context();
  const HttpAnswer json = answerAdminRequest(context, "GET", "/status.json?x=1");
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.contentType, "application/json");
  EXPECT_THAT(json.body, StartsWith(R"({"clockMs":)"));
  const HttpAnswer page = answerAdminRequest(context, "HEAD", "/status");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.contentType, "text/html; charset=utf-8");
  EXPECT_THAT(page.headers, ::testing::Contains(std::pair<std::string, std::string>(
                                "Content-Security-Policy", statusPageSecurityPolicy())));

  const HttpAnswer put = answerAdminRequest(context, "PUT", "/status");
  EXPECT_EQ(put.status, 405);
  EXPECT_THAT(put.body, HasSubstr("method PUT is not allowed on /status; use GET, HEAD"));
  const HttpAnswer missing = answerAdminRequest(context, "GET", "/status/");
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr("(it serves /healthz, /metrics, /status and /status.json)"));
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
