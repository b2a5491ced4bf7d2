#pragma once

// A broker, publish path and transport context on virtual time, shared by the transport tests.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Logger.h>
#include <Poco/Util/MapConfiguration.h>
#include <gmock/gmock.h>

#include "spread/core/broker.h"
#include "spread/transport/chat_codec.h"
#include "spread/core/manual_executor.h"
#include "spread/testing/mock_connection.h"
#include "spread/transport/session.h"

namespace spread::transport {

using namespace std::chrono_literals;

class SessionFixture : public ::testing::Test {
 protected:
  static SessionOptions smallLimits() {
    SessionOptions options;
    options.queue = core::QueueLimits{4, 1 << 16};
    options.sendWindowBytes = 1024;
    options.pingInterval = 1s;
    options.idleTimeout = 3s;
    options.publishWaitMax = 50ms;
    return options;
  }

  // A connection whose queued byte count the test controls, recording what it was sent.
  struct FakeWire {
    std::shared_ptr<::testing::NiceMock<testing::MockConnection>> connection =
        std::make_shared<::testing::NiceMock<testing::MockConnection>>();
    std::vector<std::string> sent;
    std::size_t queued = 0;

    FakeWire() {
      ON_CALL(*connection, bytesQueued()).WillByDefault([this] { return queued; });
      ON_CALL(*connection, send(::testing::_)).WillByDefault([this](std::span<const core::MessagePtr> batch) {
        for (const auto& message : batch) sent.push_back(message->bytes());
      });
    }
  };

  std::shared_ptr<Session> open(FakeWire& wire, std::string topic = "chat") {
    auto session = Session::create(context_, wire.connection, std::move(topic));
    session->start();
    executor_.runUntilIdle();
    return session;
  }

  void publish(const std::string& name, const std::string& msg, const std::string& topic = "chat") {
    publisher_.publish(topic, transport::ChatCodec::encode({name, msg}),
                       [](PublishResult result) { ASSERT_TRUE(result.ok()) << result.error; });
    executor_.runUntilIdle();
  }

  static std::string chat(const std::string& name, const std::string& msg) {
    return transport::ChatCodec::encode({name, msg});
  }

  core::ManualClock clock_;
  core::ManualExecutor executor_{clock_};
  core::Broker broker_{clock_, executor_, core::BrokerOptions{.topicsMax = 2, .topic = {.inboundMessagesMax = 8}}};
  Metrics metrics_;
  PublishService publisher_{broker_, metrics_, 50ms, "chat"};
  Poco::AutoPtr<Poco::Util::MapConfiguration> config_{new Poco::Util::MapConfiguration};
  TransportContext context_{broker_,      clock_,   executor_, metrics_, publisher_, smallLimits(),
                            *config_, Poco::Logger::get("session-test")};
};

}  // namespace spread::transport
