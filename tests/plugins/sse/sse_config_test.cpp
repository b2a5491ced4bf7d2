#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>
#include <gtest/gtest.h>

#include "sse_transport.h"

namespace spread::plugins::sse {
namespace {

std::variant<SseConfig, std::string> parse(std::map<std::string, std::string> keys) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
  for (const auto& [key, value] : keys) config->setString(key, value);
  return parseSseConfig(*config);
}

std::string errorOf(std::map<std::string, std::string> keys) {
  auto parsed = parse(std::move(keys));
  const auto* error = std::get_if<std::string>(&parsed);
  return error != nullptr ? *error : "(accepted)";
}

TEST(SseConfigTest, RetryMsDefaultsToTwoSecondsAndTakesAWholeNumberInItsRange) {
  EXPECT_EQ(std::get<SseConfig>(parse({})).retry, std::chrono::milliseconds(2000));
  EXPECT_EQ(std::get<SseConfig>(parse({{"retryMs", "100"}})).retry, std::chrono::milliseconds(100));
  EXPECT_EQ(std::get<SseConfig>(parse({{"retryMs", "3600000"}})).retry, std::chrono::milliseconds(3600000));
}

TEST(SseConfigTest, ABadValueOrAnUnknownKeyIsNamed) {
  for (const char* bad : {"99", "3600001", "", "2s", "-5", " 200", "1e3"}) {
    const std::string error = errorOf({{"retryMs", bad}});
    EXPECT_EQ(error.rfind("transport.sse.retryMs: must be a whole number of milliseconds from 100 to 3600000", 0), 0u)
        << bad << ": " << error;
  }
  EXPECT_EQ(errorOf({{"retryms", "200"}}), "transport.sse.retryms: unknown key (known: retryMs)");
}

TEST(SseConfigTest, CheckConfigSaysWhatParsingSays) {
  SseTransport transport;
  Poco::AutoPtr<Poco::Util::MapConfiguration> config(new Poco::Util::MapConfiguration);
  EXPECT_EQ(transport.checkConfig(*config, transport::SessionOptions{}), std::nullopt);
  config->setString("retryMs", "7");
  EXPECT_EQ(transport.checkConfig(*config, transport::SessionOptions{}), errorOf({{"retryMs", "7"}}));
}

}  // namespace
}  // namespace spread::plugins::sse
