// Proves a reload of the transport's keys (ServingStack::reconfigure, as
// WebSocketTransport::reload calls it) through the real parser and routes on the in-memory
// network: new limits and origins decide what comes next, a connection accepted before keeps
// the limits it was accepted with, and only the reloadable keys are taken.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "memory_stack.h"
#include "websocket_config.h"

namespace spread::plugins::websocket::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string publishRequest(const std::string& msg, const std::string& extraHeaders = "") {
  const std::string body = R"({"name":"ops","msg":")" + msg + R"("})";
  return "POST /publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + extraHeaders +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

WebSocketConfig reloaded(MemoryStack& stack, void (*change)(WebSocketConfig&)) {
  WebSocketConfig next = stack.server().stack().config();
  change(next);
  return next;
}

TEST(ReconfigureTest, ALoweredBodyLimitRefusesNewConnectionsAndSparesOneAcceptedBefore) {
  MemoryStack stack;
  const int before = stack.connect();
  stack.settle();
  stack.server().stack().reconfigure(reloaded(stack, [](WebSocketConfig& c) { c.bodyBytesMax = 64; }));

  const std::string longMsg(200, 'x');
  const std::string refused = stack.exchange(publishRequest(longMsg));
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 413 "));
  EXPECT_THAT(refused, HasSubstr("64"));

  stack.send(before, publishRequest(longMsg));
  stack.settle();
  EXPECT_THAT(stack.take(before), StartsWith("HTTP/1.1 204 "));
}

TEST(ReconfigureTest, NewAllowedOriginsDecideTheNextRequest) {
  MemoryStack stack;
  const std::string fromApp = publishRequest("hi", "Origin: https://app.example\r\nConnection: close\r\n");
  EXPECT_THAT(stack.exchange(fromApp), StartsWith("HTTP/1.1 403 "));
  stack.server().stack().reconfigure(reloaded(stack, [](WebSocketConfig& c) {
    c.allowedOrigins = std::get<OriginPolicy>(OriginPolicy::parse("https://app.example"));
  }));
  EXPECT_THAT(stack.exchange(fromApp), StartsWith("HTTP/1.1 204 "));
}

TEST(ReconfigureTest, ALoweredConnectionLimitRefusesTheNextClientAndKeepsOpenOnes) {
  MemoryStack stack(std::map<std::string, std::string>{{"connectionsPerAddressMax", "10"}});
  const int open = stack.connect();
  stack.settle();
  stack.server().stack().reconfigure(
      reloaded(stack, [](WebSocketConfig& c) { c.clients.connectionsPerAddressMax = 1; }));
  EXPECT_THAT(stack.exchange(publishRequest("over")), StartsWith("HTTP/1.1 503 "));
  stack.send(open, publishRequest("still served"));
  stack.settle();
  EXPECT_THAT(stack.take(open), StartsWith("HTTP/1.1 204 "));
}

TEST(ReloadableKeysTest, LimitsAndPoliciesReloadAndSocketsThreadsAndListenersWaitForARestart) {
  for (const char* key : {"bodyBytesMax", "headerBytesMax", "headerTimeoutMs", "bodyTimeoutMs", "httpIdleTimeoutMs",
                          "connectionsMax", "connectionsPerAddressMax", "addressPublishesPerSecond",
                          "addressPublishBurst", "allowedOrigins", "trustedProxies", "tls.certificateFile",
                          "tls.privateKeyFile"}) {
    EXPECT_TRUE(isReloadableKey(key)) << key;
  }
  for (const char* key : {"host", "port", "ioThreads", "closeTimeoutMs", "adminPort", "adminHost", "tls.port",
                          "tls.only", "bogus"}) {
    EXPECT_FALSE(isReloadableKey(key)) << key;
  }
}

TEST(ReloadableKeysTest, KeepingRestartSettingsTakesThemFromTheRunningConfiguration) {
  WebSocketConfig running;
  running.port = 8000;
  running.adminPort = 9000;
  running.tls.port = 8443;
  WebSocketConfig next;
  next.host = "0.0.0.0";
  next.port = 8001;
  next.ioThreads = 7;
  next.closeTimeout = std::chrono::milliseconds(1);
  next.adminPort.reset();
  next.tls.only = true;
  next.bodyBytesMax = 128;
  next.tls.certificateFile = "new.pem";
  const WebSocketConfig kept = keepingRestartSettings(next, running);
  EXPECT_EQ(kept.host, running.host);
  EXPECT_EQ(kept.port, 8000);
  EXPECT_EQ(kept.ioThreads, running.ioThreads);
  EXPECT_EQ(kept.closeTimeout, running.closeTimeout);
  EXPECT_EQ(kept.adminPort, std::optional<std::uint16_t>(9000));
  EXPECT_EQ(kept.tls.port, std::optional<std::uint16_t>(8443));
  EXPECT_FALSE(kept.tls.only);
  EXPECT_EQ(kept.bodyBytesMax, 128u);
  EXPECT_EQ(kept.tls.certificateFile, "new.pem");
}

}  // namespace
}  // namespace spread::plugins::websocket::testing
