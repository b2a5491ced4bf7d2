// Proves the built module is a loadable Spread plugin named "websocket" that serves once
// started, and that checkConfig() and start() refuse unknown keys and bad values with the
// same sentence naming the full key, checkConfig() without binding anything.
// The module's path comes from CMake ($<TARGET_FILE:spread_transport_websocket>).
#include <gtest/gtest.h>

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Util/MapConfiguration.h>

#include <algorithm>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "client_frames.h"
#include "spread/core/broker.h"
#include "spread/core/steady_clock.h"
#include "spread/core/thread_pool_executor.h"
#include "spread/transport/plugin_loader.h"
#include "websocket_config.h"
#include "websocket_transport.h"

namespace spread::plugins::websocket {
namespace {

class PluginTest : public ::testing::Test {
 protected:
  transport::TransportContext context() {
    return transport::TransportContext{broker_, clock_, executor_, metrics_, publisher_, {}, *config_,
                                       Poco::Logger::get("websocket-plugin-test")};
  }
  void TearDown() override { executor_.shutdown(); }

  core::SteadyClock clock_;
  core::ThreadPoolExecutor executor_{2};
  core::Broker broker_{clock_, executor_};
  transport::Metrics metrics_;
  transport::PublishService publisher_{broker_, metrics_, std::chrono::milliseconds(100), "chat"};
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
};

TEST_F(PluginTest, LoadsStartsServesAndStops) {
  transport::LoadResult loaded = transport::PluginLoader::loadFile(SPREAD_WEBSOCKET_PLUGIN_PATH);
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<transport::LoadedTransport>>(loaded))
      << std::get<transport::PluginError>(loaded).message();
  transport::Transport& websocket = std::get<std::unique_ptr<transport::LoadedTransport>>(loaded)->transport();
  EXPECT_EQ(websocket.name(), "websocket");

  config_->setString("host", "127.0.0.1");
  config_->setString("port", "0");
  auto ctx = context();
  const transport::StartResult started = websocket.start(ctx);
  ASSERT_TRUE(started.ok) << started.error;
  const std::string endpoint = websocket.endpoint();
  ASSERT_EQ(endpoint.rfind("http://127.0.0.1:", 0), 0u) << endpoint;
  ASSERT_EQ(endpoint.back(), '/');
  const auto port = static_cast<std::uint16_t>(std::stoi(endpoint.substr(17)));
  EXPECT_NE(port, 0);

  // A subscriber upgraded by the module's own code receives a publish.
  testing::RawClient subscriber(port);
  ASSERT_TRUE(subscriber.upgraded()) << subscriber.handshakeResponse();
  ASSERT_TRUE(subscriber.waitUntilSubscribed());
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/publish", Poco::Net::HTTPMessage::HTTP_1_1);
  const std::string body = R"({"name":"module","msg":"loaded"})";
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  session.receiveResponse(response);
  EXPECT_EQ(response.getStatus(), 204);
  std::optional<testing::ServerFrame> message = subscriber.readFrame();
  ASSERT_TRUE(message);
  EXPECT_EQ(message->payload, body);
  subscriber.send(testing::clientFrame({Opcode::kClose, testing::closePayload(1000)}));
  EXPECT_TRUE(subscriber.waitForEof());

  std::promise<transport::StopOutcome> stopped;
  websocket.stop(std::chrono::seconds(1), [&](transport::StopOutcome outcome) { stopped.set_value(outcome); });
  EXPECT_EQ(stopped.get_future().get(), transport::StopOutcome::kCompleted);
}

// Sessions end on executor threads: a task may still hold the last reference to a session,
// and through it its connection, while stop() returns. Both read what the transport owns,
// so stop() must wait for them; under TSan or ASan, a transport destroyed too early shows
// up here as a race or a use after free (it did, once in about five runs, before the wait).
TEST_F(PluginTest, DrainingTheTransportDrainsThePublishPathItServes) {
  config_->setString("host", "127.0.0.1");
  config_->setString("port", "0");
  WebSocketTransport websocket;
  auto ctx = context();
  ASSERT_TRUE(websocket.start(ctx).ok);
  EXPECT_FALSE(publisher_.draining());
  websocket.beginDrain();
  EXPECT_TRUE(publisher_.draining());
  websocket.stop(std::chrono::seconds(1), [](transport::StopOutcome) {});
}

TEST_F(PluginTest, NothingOfTheTransportIsLeftRunningWhenStopReturns) {
  constexpr int kRounds = 20;
  constexpr int kSubscribers = 4;
  config_->setString("host", "127.0.0.1");
  config_->setString("port", "0");
  for (int round = 0; round < kRounds; ++round) {
    auto websocket = std::make_unique<WebSocketTransport>();
    // A stop drains the publish path for good (the server's one draining state), so each
    // round serves a publish path of its own, as each run of the daemon does.
    transport::PublishService publisher{broker_, metrics_, std::chrono::milliseconds(100), "chat"};
    transport::TransportContext ctx{broker_, clock_, executor_, metrics_, publisher, {}, *config_,
                                    Poco::Logger::get("plugin-test")};
    const transport::StartResult started = websocket->start(ctx);
    ASSERT_TRUE(started.ok) << started.error;
    const auto port = static_cast<std::uint16_t>(std::stoi(websocket->endpoint().substr(17)));
    std::vector<std::unique_ptr<testing::RawClient>> subscribers;
    for (int i = 0; i < kSubscribers; ++i) {
      subscribers.push_back(std::make_unique<testing::RawClient>(port));
      ASSERT_TRUE(subscribers.back()->upgraded()) << subscribers.back()->handshakeResponse();
      ASSERT_TRUE(subscribers.back()->waitUntilSubscribed());
    }
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/publish", Poco::Net::HTTPMessage::HTTP_1_1);
    const std::string body = R"({"name":"round","msg":")" + std::to_string(round) + R"("})";
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    ASSERT_EQ(response.getStatus(), 204);
    for (auto& subscriber : subscribers) {
      std::optional<testing::ServerFrame> message = subscriber->readFrame();
      ASSERT_TRUE(message);
      EXPECT_EQ(message->payload, body);
    }
    // Half the clients leave on their own, the rest are closed by the stop.
    for (int i = 0; i < kSubscribers / 2; ++i) {
      subscribers[i]->send(testing::clientFrame({Opcode::kClose, testing::closePayload(1000)}));
    }
    std::optional<transport::StopOutcome> outcome;
    websocket->stop(core::Duration::zero(), [&](transport::StopOutcome stopped) { outcome = stopped; });
    ASSERT_TRUE(outcome);
    websocket.reset();
  }
}

struct BadConfig {
  std::string key;
  std::string value;
  std::string expected;  // part of the error
};

void PrintTo(const BadConfig& config, std::ostream* out) { *out << config.key << "=" << config.value; }

class BadConfigTest : public PluginTest, public ::testing::WithParamInterface<BadConfig> {};

TEST_P(BadConfigTest, CheckConfigAndStartFailNamingTheKey) {
  config_->setString("port", "0");
  config_->setString(GetParam().key, GetParam().value);
  WebSocketTransport websocket;
  const std::optional<std::string> problem = websocket.checkConfig(*config_, {});
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find(GetParam().expected), std::string::npos) << *problem;
  auto ctx = context();
  const transport::StartResult started = websocket.start(ctx);
  ASSERT_FALSE(started.ok);
  EXPECT_EQ(started.error, *problem);
}

INSTANTIATE_TEST_SUITE_P(
    EveryKey, BadConfigTest,
    ::testing::Values(BadConfig{"prot", "80", "transport.websocket.prot: unknown key"},
                      BadConfig{"port.extra", "1", "transport.websocket.port.extra: unknown key"},
                      BadConfig{"port", "70000", "transport.websocket.port: must be a whole number from 0 to 65535"},
                      BadConfig{"port", "80x", "transport.websocket.port: must be a whole number"},
                      BadConfig{"ioThreads", "-1", "transport.websocket.ioThreads"},
                      BadConfig{"headerTimeoutMs", "0", "transport.websocket.headerTimeoutMs"},
                      BadConfig{"headerBytesMax", "100", "transport.websocket.headerBytesMax"},
                      BadConfig{"connectionsMax", "0", "transport.websocket.connectionsMax"},
                      BadConfig{"connectionsPerAddressMax", "many",
                                "transport.websocket.connectionsPerAddressMax: must be a whole number"},
                      BadConfig{"addressPublishesPerSecond", "-5", "transport.websocket.addressPublishesPerSecond"},
                      BadConfig{"allowedOrigins", "example.com",
                                "transport.websocket.allowedOrigins: 'example.com' is not an origin"},
                      BadConfig{"trustedProxies", "10.0.0.0/33",
                                "transport.websocket.trustedProxies: '10.0.0.0/33' has a prefix length"},
                      BadConfig{"trustedProxies", "proxy.local",
                                "transport.websocket.trustedProxies: 'proxy.local' is not an IP address"},
                      BadConfig{"bodyBytesMax", "lots", "transport.websocket.bodyBytesMax"},
                      BadConfig{"closeTimeoutMs", "0", "transport.websocket.closeTimeoutMs"},
                      BadConfig{"httpIdleTimeoutMs", "soon",
                                "transport.websocket.httpIdleTimeoutMs: must be a whole number"},
                      BadConfig{"host", "", "transport.websocket.host: must not be empty"},
                      BadConfig{"adminPort", "65536",
                                "transport.websocket.adminPort: must be a whole number from 0 to 65535, not '65536'"},
                      BadConfig{"adminPort", "metrics", "transport.websocket.adminPort: must be a whole number"},
                      BadConfig{"adminHost", "", "transport.websocket.adminHost: must not be empty"},
                      BadConfig{"adminport", "9000", "transport.websocket.adminport: unknown key"},
                      BadConfig{"tls.port", "70000", "transport.websocket.tls.port: must be a whole number from 0"},
                      BadConfig{"tls.port", "0",
                                "transport.websocket.tls.certificateFile: must name a PEM file when "
                                "transport.websocket.tls.port is set"},
                      BadConfig{"tls.certificateFile", "cert.pem", "transport.websocket.tls.port: must be set"},
                      BadConfig{"tls.privateKeyFile", "key.pem", "transport.websocket.tls.port: must be set"},
                      BadConfig{"tls.only", "true", "transport.websocket.tls.only: needs a TLS listener"},
                      BadConfig{"tls.only", "yes", "transport.websocket.tls.only: must be true or false, not 'yes'"},
                      BadConfig{"tls.cert", "x", "transport.websocket.tls.cert: unknown key"},
                      // Found by tests/fuzz/config_fuzzer: this overflowed the stack.
                      BadConfig{".port", "1", "transport.websocket.: a key starts with '.'"}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

TEST_F(PluginTest, CheckConfigAcceptsGoodKeysWithoutBinding) {
  // checkConfig must not try the port: one taken by this test is still a valid setting.
  Poco::Net::ServerSocket taken(Poco::Net::SocketAddress("127.0.0.1", 0));
  config_->setString("host", "127.0.0.1");
  config_->setString("port", std::to_string(taken.address().port()));
  config_->setString("ioThreads", "2");
  WebSocketTransport websocket;
  EXPECT_EQ(websocket.checkConfig(*config_, {}), std::nullopt);
  EXPECT_EQ(websocket.endpoint(), "");
}

TEST_F(PluginTest, KeysOfThePocoServerAreAcceptedWithAWarning) {
  // Configurations written before every request moved to the I/O loops still start.
  config_->setString("httpThreads", "4");
  config_->setString("httpQueueMax", "256");
  auto parsed = parseConfig(*config_);
  ASSERT_TRUE(std::holds_alternative<WebSocketConfig>(parsed)) << std::get<std::string>(parsed);
  const std::vector<std::string>& warnings = std::get<WebSocketConfig>(parsed).warnings;
  ASSERT_EQ(warnings.size(), 2u);
  for (const std::string& warning : warnings) EXPECT_NE(warning.find("no longer does anything"), std::string::npos);
}

TEST_F(PluginTest, ZeroIoThreadsIsOneLoopPerTwoCoresAndAtLeastOne) {
  config_->setString("ioThreads", "0");
  auto parsed = parseConfig(*config_);
  ASSERT_TRUE(std::holds_alternative<WebSocketConfig>(parsed)) << std::get<std::string>(parsed);
  EXPECT_EQ(std::get<WebSocketConfig>(parsed).ioThreads, std::max(1u, std::thread::hardware_concurrency() / 2));
  config_->setString("ioThreads", "3");
  parsed = parseConfig(*config_);
  ASSERT_TRUE(std::holds_alternative<WebSocketConfig>(parsed)) << std::get<std::string>(parsed);
  EXPECT_EQ(std::get<WebSocketConfig>(parsed).ioThreads, 3u);
}

TEST_F(PluginTest, StartFailsWhenThePortIsTaken) {
  Poco::Net::ServerSocket taken(Poco::Net::SocketAddress("127.0.0.1", 0));
  config_->setString("host", "127.0.0.1");
  config_->setString("port", std::to_string(taken.address().port()));
  WebSocketTransport websocket;
  auto ctx = context();
  const transport::StartResult started = websocket.start(ctx);
  ASSERT_FALSE(started.ok);
  EXPECT_NE(started.error.find("transport.websocket.port: cannot listen on 127.0.0.1:"), std::string::npos)
      << started.error;
}

}  // namespace
}  // namespace spread::plugins::websocket
