// A server that answers garbage never crashes the link: random bytes are reported as a
// protocol error and the link keeps reconnecting; replies that would make hiredis 0.14
// assert (a reply nobody asked for, malformed pub/sub messages) and an endless bulk string
// are refused with a reason. Scripted fake servers on 127.0.0.1.
#include <gtest/gtest.h>

#include <random>

#include "link_probe.h"
#include "scripted_server.h"

namespace spread::plugins::redis::testing {
namespace {

// What a real server answers to SELECT and PING, the handshake when there is no password.
const std::string kHandshakeAnswers = "+OK\r\n+PONG\r\n";

RedisLinkOptions hostileOptions(int port) {
  auto options = testOptions(port);
  options.backoffMin = std::chrono::milliseconds(1);
  options.backoffMax = std::chrono::milliseconds(5);
  options.replyBytesMax = 4096;
  return options;
}

TEST(HostileServerTest, RandomBytesAreAProtocolErrorAndTheLinkKeepsReconnecting) {
  ScriptedServer server([](int connection) {
    std::mt19937 random(1234 + static_cast<unsigned>(connection));
    std::string garbage(2048, '\0');
    for (char& byte : garbage) byte = static_cast<char>(random() & 0xff);
    return std::vector<ScriptedServer::Step>{{"", garbage}};
  });
  LinkProbe probe(hostileOptions(server.port()));
  EXPECT_TRUE(probe.awaitReasonContaining("Protocol error"));
  EXPECT_TRUE(probe.await([&] { return server.accepted() >= 20; }));
  EXPECT_FALSE(probe.link().state().connected);
  for (const LinkState& state : probe.states()) EXPECT_FALSE(state.connected) << state.reason;
}

TEST(HostileServerTest, AReplyNoCommandWaitsForIsRefused) {
  ScriptedServer server([](int) { return std::vector<ScriptedServer::Step>{{"", kHandshakeAnswers + "+EXTRA\r\n"}}; });
  LinkProbe probe(hostileOptions(server.port()));
  EXPECT_TRUE(probe.awaitReasonContaining("redis sent a reply no command was waiting for"));
}

TEST(HostileServerTest, AnErrorNoCommandWaitsForIsReportedWithItsText) {
  ScriptedServer server([](int) {
    return std::vector<ScriptedServer::Step>{{"", kHandshakeAnswers + "-ERR max number of clients reached\r\n"}};
  });
  LinkProbe probe(hostileOptions(server.port()));
  EXPECT_TRUE(probe.awaitReasonContaining("max number of clients reached"));
}

TEST(HostileServerTest, AnEndlessBulkStringIsCutAtReplyBytesMax) {
  ScriptedServer server([](int) {
    return std::vector<ScriptedServer::Step>{{"", "$100000000\r\n" + std::string(64 * 1024, 'x')}};
  });
  LinkProbe probe(hostileOptions(server.port()));
  EXPECT_TRUE(probe.awaitReasonContaining("larger than replyBytesMax (4096 bytes)"));
}

struct MalformedPush {
  const char* name;
  std::string bytes;
  std::string reason;
};

class MalformedPushTest : public ::testing::TestWithParam<MalformedPush> {};

TEST_P(MalformedPushTest, IsRefusedOnTheSubscribedConnection) {
  ScriptedServer server([](int) {
    return std::vector<ScriptedServer::Step>{{"", kHandshakeAnswers}, {"SUBSCRIBE", GetParam().bytes}};
  });
  LinkProbe probe(hostileOptions(server.port()));
  probe.link().subscribe("x");
  EXPECT_TRUE(probe.awaitReasonContaining(GetParam().reason));
  EXPECT_TRUE(probe.await([&] { return server.accepted() >= 6; }));
}

INSTANTIATE_TEST_SUITE_P(
    Pushes, MalformedPushTest,
    ::testing::Values(MalformedPush{"OneElement", "*1\r\n$7\r\nmessage\r\n", "pub/sub message of 1 elements"},
                      MalformedPush{"IntegerChannel", "*3\r\n$9\r\nsubscribe\r\n:1\r\n:1\r\n",
                                    "element 1 is not a bulk string"},
                      MalformedPush{"StatusKind", "*3\r\n+message\r\n$1\r\nx\r\n$1\r\ny\r\n",
                                    "element 0 is not a bulk string"},
                      MalformedPush{"UnsubscribeWithoutCount", "*2\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n",
                                    "unsubscribe without its count"},
                      MalformedPush{"UnsubscribeCountNotInteger", "*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n$1\r\n1\r\n",
                                    "count is not an integer"},
                      MalformedPush{"NotAnArray", "+OK\r\n", "not an array"}),
    [](const ::testing::TestParamInfo<MalformedPush>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace spread::plugins::redis::testing
