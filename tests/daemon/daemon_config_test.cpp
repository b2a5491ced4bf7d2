// Proves the daemon's configuration rules on in-memory files: defaults from the built-in
// file, overrides from the user's file, transport keys handed to listed transports only,
// and every bad key or value reported with its file, line and key.
#include "daemon_config.h"

#include <Poco/Message.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "embedded_defaults.h"

namespace spread::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::SizeIs;

const PropertyFile& defaults() {
  static const PropertyFile file = PropertyFile::parse(embeddedDefaults(), "defaults");
  return file;
}

DaemonConfig readOk(const std::string& text) {
  const PropertyFile file = PropertyFile::parse(text, "server.properties");
  auto result = readDaemonConfig(defaults(), &file);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    ADD_FAILURE() << errors->front().message();
    return {};
  }
  return std::get<DaemonConfig>(result);
}

std::vector<std::string> readErrors(const std::string& text) {
  const PropertyFile file = PropertyFile::parse(text, "server.properties");
  auto result = readDaemonConfig(defaults(), &file);
  std::vector<std::string> messages;
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    for (const auto& error : *errors) messages.push_back(error.message());
  }
  return messages;
}

TEST(DaemonConfigTest, EmbeddedDefaultsAreEtcServerProperties) {
  std::ifstream file(SPREAD_SOURCE_DIR "/etc/server.properties");
  std::ostringstream text;
  text << file.rdbuf();
  EXPECT_EQ(embeddedDefaults(), text.str());
}

TEST(DaemonConfigTest, DefaultsAloneGiveTheDocumentedValues) {
  auto result = readDaemonConfig(defaults(), nullptr);
  ASSERT_TRUE(std::holds_alternative<DaemonConfig>(result));
  const auto& config = std::get<DaemonConfig>(result);
  EXPECT_THAT(config.transports, ElementsAre("websocket", "sse"));
  EXPECT_EQ(config.pluginDir, "");
  EXPECT_EQ(config.executorThreads, std::max(1u, std::thread::hardware_concurrency()));  // 0: one per core
  EXPECT_EQ(config.shutdownGrace, std::chrono::milliseconds(5000));
  EXPECT_EQ(config.broker.topicsMax, 1024u);
  EXPECT_EQ(config.broker.topic.inboundMessagesMax, 1024u);
  EXPECT_EQ(config.defaultTopic, "chat");
  EXPECT_EQ(config.broker.topicLinger, std::chrono::milliseconds(1000));
  EXPECT_EQ(config.broker.topic.deliveryDelayTarget, std::chrono::milliseconds(50));
  EXPECT_EQ(config.broker.reservedTopic, "chat") << "the default topic can never be locked out";
  EXPECT_EQ(config.broker.topic.historySize, 100u);
  EXPECT_EQ(config.broker.topic.historyTtl, std::chrono::milliseconds(600000));
  EXPECT_EQ(config.broker.topic.historyBytesMax, 262144u);
  EXPECT_EQ(config.session.queue.messagesMax, 256u);
  EXPECT_EQ(config.session.queue.bytesMax, 1048576u);
  EXPECT_EQ(config.session.sendWindowBytes, 262144u);
  EXPECT_EQ(config.session.messageBytesMax, 65536u);
  EXPECT_EQ(config.session.pingInterval, std::chrono::milliseconds(20000));
  EXPECT_EQ(config.session.idleTimeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(config.session.publishWaitMax, std::chrono::milliseconds(100));
  EXPECT_EQ(config.session.publishesPerSecond, 1000.0);
  EXPECT_EQ(config.session.publishBurst, 2000.0);
  EXPECT_EQ(config.session.nameBytesMax, 64u);
  EXPECT_EQ(config.logPriority, Poco::Message::PRIO_INFORMATION);
  EXPECT_EQ(config.logPattern, "%Y-%m-%d %H:%M:%S.%i [%p] %s: %t");
  ASSERT_THAT(config.transportSettings, SizeIs(2));
  const auto& sse = config.transportSettings[1];
  EXPECT_EQ(sse.name, "sse");
  ASSERT_THAT(sse.keys, SizeIs(1));
  EXPECT_EQ(sse.keys[0].first, "retryMs");
  EXPECT_EQ(sse.keys[0].second.value, "2000");
  const auto& websocket = config.transportSettings[0];
  EXPECT_EQ(websocket.name, "websocket");
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& [key, setting] : websocket.keys) keys.emplace_back(key, setting.value);
  EXPECT_THAT(keys, ElementsAre(Pair("host", "localhost"), Pair("port", "8000"), Pair("adminPort", ""),
                                Pair("adminHost", "127.0.0.1"), Pair("ioThreads", "0"),
                                Pair("connectionsMax", "10000"), Pair("connectionsPerAddressMax", "256"),
                                Pair("addressPublishesPerSecond", "5000"), Pair("addressPublishBurst", "10000"),
                                Pair("trustedProxies", ""), Pair("allowedOrigins", ""), Pair("headerBytesMax", "8192"),
                                Pair("bodyBytesMax", "65536"), Pair("headerTimeoutMs", "10000"),
                                Pair("bodyTimeoutMs", "10000"), Pair("httpIdleTimeoutMs", "30000"),
                                Pair("closeTimeoutMs", "2000"), Pair("tls.port", ""),
                                Pair("tls.certificateFile", ""), Pair("tls.privateKeyFile", ""),
                                Pair("tls.only", "false")));
}

TEST(DaemonConfigTest, ZeroExecutorThreadsIsOnePerCore) {
  EXPECT_EQ(readOk("spread.executorThreads = 0\n").executorThreads, std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(readOk("spread.executorThreads = 3\n").executorThreads, 3u);
}

TEST(DaemonConfigTest, FileOverridesDefaultsAndKeepsItsLines) {
  const auto config = readOk("spread.executorThreads = 7\n\ntransport.websocket.port = 0\n");
  EXPECT_EQ(config.executorThreads, 7u);
  const auto& keys = config.transportSettings.at(0).keys;
  auto port = std::find_if(keys.begin(), keys.end(), [](const auto& pair) { return pair.first == "port"; });
  ASSERT_NE(port, keys.end());
  EXPECT_EQ(port->second.value, "0");
  EXPECT_EQ(port->second.source, "server.properties");
  EXPECT_EQ(port->second.line, 3);
}

TEST(DaemonConfigTest, DefaultKeysOfUnlistedTransportsAreDropped) {
  const auto config = readOk("spread.transports = fake\ntransport.fake.x = 1\n");
  ASSERT_THAT(config.transportSettings, SizeIs(1));
  EXPECT_EQ(config.transportSettings[0].name, "fake");
  ASSERT_THAT(config.transportSettings[0].keys, SizeIs(1));
  EXPECT_EQ(config.transportSettings[0].keys[0].first, "x");
}

// Found by tests/fuzz/config_fuzzer: "transport.websocket..port" reached the transport,
// whose key walk then overflowed the stack.
TEST(DaemonConfigTest, TransportKeysWithAnEmptyPartAreRefused) {
  EXPECT_THAT(readErrors("transport.websocket..port = 1\n"
                         "transport.websocket.port. = 1\n"
                         "transport.websocket.a..b = 1\n"),
              ElementsAre(HasSubstr("server.properties:1: transport.websocket..port: is not of the form"),
                          HasSubstr("server.properties:2: transport.websocket.port.: is not of the form"),
                          HasSubstr("server.properties:3: transport.websocket.a..b: is not of the form")));
}

TEST(DaemonConfigTest, TransportListIsTrimmedAndOrdered) {
  const auto config = readOk("spread.transports = b , a\n");
  EXPECT_THAT(config.transports, ElementsAre("b", "a"));
  EXPECT_THAT(config.transportSettings, SizeIs(2));
}

TEST(DaemonConfigTest, DeliveryDelayTargetZeroCountsOnlyAndOverAMinuteIsRefused) {
  EXPECT_EQ(readOk("broker.deliveryDelayTargetMs = 0\n").broker.topic.deliveryDelayTarget,
            std::chrono::milliseconds(0));
  EXPECT_EQ(readOk("broker.deliveryDelayTargetMs = 60000\n").broker.topic.deliveryDelayTarget,
            std::chrono::milliseconds(60000));
  EXPECT_THAT(readErrors("broker.deliveryDelayTargetMs = 60001\n"),
              ElementsAre(HasSubstr("server.properties:1: broker.deliveryDelayTargetMs: 60001 is out of range")));
}

TEST(DaemonConfigTest, TopicLingerZeroFreesAtOnceAndANegativeOneIsRefused) {
  EXPECT_EQ(readOk("broker.topicLingerMs = 0\n").broker.topicLinger, std::chrono::milliseconds(0));
  EXPECT_EQ(readOk("broker.defaultTopic = lobby\n").broker.reservedTopic, "lobby");
  EXPECT_THAT(readErrors("broker.topicLingerMs = -1\n"),
              ElementsAre(HasSubstr("server.properties:1: broker.topicLingerMs: -1 is out of range")));
}

TEST(DaemonConfigTest, HistoryIsBoundedAndZeroTurnsItOff) {
  EXPECT_EQ(readOk("history.size = 0\n").broker.topic.historySize, 0u);
  EXPECT_EQ(readOk("history.size = 100000\n").broker.topic.historySize, 100000u);
  EXPECT_EQ(readOk("history.ttlMs = 0\n").broker.topic.historyTtl, std::chrono::milliseconds(0));
  EXPECT_THAT(readErrors("history.size = 100001\nhistory.ttlMs = -5\n"),
              ElementsAre(HasSubstr("server.properties:1: history.size: 100001 is out of range"),
                          HasSubstr("server.properties:2: history.ttlMs: -5 is out of range")));
  EXPECT_THAT(readErrors("history.size = lots\n"), ElementsAre(HasSubstr("server.properties:1: history.size")));
  EXPECT_THAT(readErrors("history.bytesMax = 0\n"),
              ElementsAre(HasSubstr("server.properties:1: history.bytesMax: 0 is out of range")));
}

TEST(DaemonConfigTest, TheEngineIsInProcessUnlessRedisIsChosenWithItsKeys) {
  EXPECT_EQ(readOk("").engine.name, "inprocess");
  EXPECT_TRUE(readOk("").engine.keys.empty());

  const DaemonConfig redis = readOk("spread.engine = redis\nengine.redis.port = 7000\n");
  EXPECT_EQ(redis.engine.name, "redis");
  auto port = std::find_if(redis.engine.keys.begin(), redis.engine.keys.end(),
                           [](const auto& key) { return key.first == "port"; });
  ASSERT_NE(port, redis.engine.keys.end());
  EXPECT_EQ(port->second.value, "7000");
  EXPECT_EQ(port->second.line, 2);
  EXPECT_THAT(redis.engine.keys, SizeIs(10));  // presenceTtlMs too: the presence plugin reads it
}

TEST(DaemonConfigTest, EngineKeysAreCheckedWithFileLineAndKeyWhicheverEngineRuns) {
  EXPECT_THAT(readErrors("spread.engine = kafka\n"),
              ElementsAre("server.properties:1: spread.engine: 'kafka' is not an engine (inprocess or redis)"));
  EXPECT_THAT(readErrors("engine.redis.port = 0\n"), ElementsAre(HasSubstr("server.properties:1: engine.redis.port:")));
  EXPECT_THAT(readErrors("engine.redis.host =\n"), ElementsAre("server.properties:1: engine.redis.host: is empty"));
  EXPECT_THAT(readErrors("engine.redis.prefix = a{b}\n"),
              ElementsAre(HasSubstr("server.properties:1: engine.redis.prefix: 'a{b}' contains '{' or '}'")));
  EXPECT_THAT(readErrors("engine.redis.backoffMinMs = 500\nengine.redis.backoffMaxMs = 100\n"),
              ElementsAre("server.properties:2: engine.redis.backoffMaxMs: is smaller than engine.redis.backoffMinMs"));
  EXPECT_THAT(readErrors("engine.redis.presenceTtlMs = 50\n"),
              ElementsAre(HasSubstr("server.properties:1: engine.redis.presenceTtlMs:")));
  EXPECT_THAT(readErrors("engine.redis.hots = x\n"),
              ElementsAre("server.properties:1: engine.redis.hots: is not a known key"));
}

TEST(DaemonConfigTest, LogLevelsAreCaseInsensitive) {
  EXPECT_EQ(readOk("logging.level = Debug\n").logPriority, Poco::Message::PRIO_DEBUG);
  EXPECT_EQ(readOk("logging.level = none\n").logPriority, 0);
}

TEST(DaemonConfigTest, EveryErrorIsReportedWithFileLineAndKey) {
  EXPECT_THAT(readErrors("spread.executorThreads = 257\n"
                         "nonsense = 1\n"
                         "session.pingIntervalMs = 10s\n"
                         "logging.level = verbose\n"
                         "broker.defaultTopic = -bad\n"
                         "transport.other.key = 1\n"
                         "transport.websocket = 1\n"
                         "= orphan\n"
                         "broker.topicsMax = 99999999999999999999999\n"),
              ElementsAre(HasSubstr("server.properties:1: spread.executorThreads: 257 is out of range"),
                          HasSubstr("server.properties:2: nonsense: is not a known key"),
                          HasSubstr("server.properties:3: session.pingIntervalMs: '10s' is not a number"),
                          HasSubstr("server.properties:4: logging.level: 'verbose' is not a log level"),
                          HasSubstr("server.properties:5: broker.defaultTopic: '-bad' is not a topic name"),
                          HasSubstr("server.properties:6: transport.other.key: configures transport 'other'"),
                          HasSubstr("server.properties:7: transport.websocket: is not of the form"),
                          HasSubstr("server.properties:8: (no key): the line has a value but no key"),
                          HasSubstr("server.properties:9: broker.topicsMax: 99999999999999999999999 is out of range")));
}

TEST(DaemonConfigTest, BadTransportListsAreRefused) {
  EXPECT_THAT(readErrors("spread.transports =\n"), ElementsAre(HasSubstr(":1: spread.transports: names no transport")));
  EXPECT_THAT(readErrors("spread.transports = a, a\n"), ElementsAre(HasSubstr("'a' is listed twice")));
  EXPECT_THAT(readErrors("spread.transports = a,,b\n"), ElementsAre(HasSubstr("empty name")));
  EXPECT_THAT(readErrors("spread.transports = ../evil\n"), ElementsAre(HasSubstr("not a transport name")));
}

TEST(DaemonConfigTest, TransportErrorsAreLocatedByTheKeyTheyName) {
  TransportSettings settings{
      "fake", {{"port", Setting{"x", "server.properties", 4}}, {"portRange", Setting{"y", "server.properties", 9}}}};
  EXPECT_EQ(locateTransportError(settings, "unknown key 'portRange'"),
            "server.properties:9: transport.fake.portRange: unknown key 'portRange'");
  EXPECT_EQ(locateTransportError(settings, "port must be a number"),
            "server.properties:4: transport.fake.port: port must be a number");
  EXPECT_EQ(locateTransportError(settings, "transport.fake.port is taken."),
            "server.properties:4: transport.fake.port: transport.fake.port is taken.");
  EXPECT_EQ(locateTransportError(settings, "transport.fake.portRange: must be a range"),
            "server.properties:9: transport.fake.portRange: must be a range");
  EXPECT_EQ(locateTransportError(settings, "transport.fake.port: unknown key (known: portRange)"),
            "server.properties:4: transport.fake.port: unknown key (known: portRange)");
  EXPECT_EQ(locateTransportError(settings, "cannot bind: address in use (support not ready)"),
            "transport 'fake': cannot bind: address in use (support not ready)");
}

// Found by tests/fuzz/config_fuzzer: the websocket transport's "unknown key" error lists
// the known keys, and the longest of those used to win over the misspelt one.
TEST(DaemonConfigTest, TransportErrorsAreLocatedByTheKeyNamedFirst) {
  TransportSettings settings{"fake",
                             {{"httpIdleTimeoutMs", Setting{"30000", "built-in defaults", 90}},
                              {"port", Setting{"8000", "built-in defaults", 70}},
                              {"prot", Setting{"1", "server.properties", 2}}}};
  EXPECT_EQ(locateTransportError(settings, "transport.fake.prot: unknown key (known: port, httpIdleTimeoutMs)"),
            "server.properties:2: transport.fake.prot: unknown key (known: port, httpIdleTimeoutMs)");
  EXPECT_EQ(locateTransportError(settings, "port must be a number, not 'httpIdleTimeoutMs'"),
            "built-in defaults:70: transport.fake.port: port must be a number, not 'httpIdleTimeoutMs'");
}

TEST(DaemonConfigTest, OfTwoKeysStartingAtOnePlaceTheLongerIsNamed) {
  // Found by the config fuzzer: a key with a space in it begins with another key's name.
  TransportSettings settings{"fake",
                             {{"port", Setting{"8000", "built-in defaults", 70}},
                              {"port x", Setting{"1", "server.properties", 2}}}};
  EXPECT_EQ(locateTransportError(settings, "transport.fake.port x: unknown key"),
            "server.properties:2: transport.fake.port x: unknown key");
}

}  // namespace
}  // namespace spread::daemon
