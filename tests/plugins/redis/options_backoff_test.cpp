// The reconnect delays double from the minimum to the maximum and are scaled into [0.5, 1)
// by the injected random source; options that cannot work are refused with the field's name.
#include <gtest/gtest.h>

#include <stdexcept>

#include "reconnect_backoff.h"
#include "redis_link.h"

namespace spread::plugins::redis {
namespace {

using std::chrono::milliseconds;

TEST(ReconnectBackoffTest, DoublesUpToTheMaximumScaledByTheRandomSource) {
  double random = 0.0;
  ReconnectBackoff backoff(milliseconds(100), milliseconds(1000), [&] { return random; });
  EXPECT_EQ(backoff.next(), milliseconds(50));
  EXPECT_EQ(backoff.next(), milliseconds(100));
  EXPECT_EQ(backoff.next(), milliseconds(200));
  random = 0.5;
  EXPECT_EQ(backoff.next(), milliseconds(600));   // 800 * 0.75
  EXPECT_EQ(backoff.next(), milliseconds(750));   // 1000 * 0.75
  for (int i = 0; i < 100; ++i) EXPECT_EQ(backoff.next(), milliseconds(750));
  backoff.reset();
  EXPECT_EQ(backoff.next(), milliseconds(75));
}

TEST(ReconnectBackoffTest, NeverWaitsLessThanAMillisecond) {
  ReconnectBackoff backoff(milliseconds(1), milliseconds(1), [] { return 0.0; });
  EXPECT_EQ(backoff.next(), milliseconds(1));
}

TEST(OptionsTest, EachImpossibleFieldIsNamed) {
  RedisLinkOptions options;
  EXPECT_EQ(validateOptions(options), "");
  options.port = 0;
  EXPECT_NE(validateOptions(options).find("port 0"), std::string::npos);
  options = {};
  options.backoffMax = milliseconds(10);
  EXPECT_NE(validateOptions(options).find("backoffMax"), std::string::npos);
  options = {};
  options.pendingCommandsMax = 0;
  EXPECT_NE(validateOptions(options).find("pendingCommandsMax"), std::string::npos);
  options = {};
  options.host = "";
  EXPECT_NE(validateOptions(options).find("host"), std::string::npos);
  options = {};
  options.heartbeatInterval = milliseconds(0);
  EXPECT_NE(validateOptions(options).find("heartbeatInterval"), std::string::npos);
  options = {};
  options.commandTimeout = milliseconds(0);
  EXPECT_NE(validateOptions(options).find("commandTimeout"), std::string::npos);
}

TEST(OptionsTest, TheLinkRefusesImpossibleOptions) {
  RedisLinkOptions options;
  options.db = -1;
  try {
    RedisLink link(options, {});
    FAIL() << "the link accepted db -1";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("db -1 is negative"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace spread::plugins::redis
