// Proves that spreadd refuses a bad configuration before serving: it exits non-zero and its
// error names the file, the line and the key. Runs the real binary against small files,
// with the offending line placed at a known line number.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spreadd_fixture.h"

namespace spread::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SpreaddConfigErrorTest : public SpreaddTest {
 protected:
  // The fake configuration is three lines long, so the first extra line is line 4.
  static constexpr int kFirstExtraLine = 4;

  void expectRefused(const std::vector<std::string>& extraLines, const std::string& expected) {
    const std::string config = fakeConfig(extraLines);
    std::string errors;
    std::string output;
    const ExitStatus status = runToExit({"--config", config}, &errors, &output);
    EXPECT_FALSE(status.exitedWith(0)) << status;
    EXPECT_EQ(status.signal, 0) << status;
    EXPECT_THAT(errors, HasSubstr(config + ":" + expected)) << errors;
    EXPECT_THAT(output, Not(HasSubstr("ready")));
  }
};

TEST_F(SpreaddConfigErrorTest, UnknownKey) {
  expectRefused({"# a comment", "broker.topicMax = 10"}, "5: broker.topicMax: is not a known key");
}

TEST_F(SpreaddConfigErrorTest, ValueThatIsNotANumber) {
  expectRefused({"spread.executorThreads = two"}, "4: spread.executorThreads: 'two' is not a number");
}

TEST_F(SpreaddConfigErrorTest, NumberOutOfRange) {
  expectRefused({"session.queueMessagesMax = 0"}, "4: session.queueMessagesMax: 0 is out of range");
}

TEST_F(SpreaddConfigErrorTest, UnknownLogLevel) {
  expectRefused({"logging.level = chatty"}, "4: logging.level: 'chatty' is not a log level");
}

TEST_F(SpreaddConfigErrorTest, KeyForATransportThatIsNotListed) {
  expectRefused({"transport.websocket.port = 0"},
                "4: transport.websocket.port: configures transport 'websocket', which spread.transports does not list");
}

TEST_F(SpreaddConfigErrorTest, ErrorOnAContinuedLineNamesTheLineItStartsOn) {
  expectRefused({"broker.defaultTopic = \\", "  .hidden"}, "4: broker.defaultTopic: ");
}

TEST_F(SpreaddConfigErrorTest, KeyTheTransportRejects) {
  expectRefused({"", "transport.fake.colour = blue"}, "5: transport.fake.colour: unknown key 'colour'");
}

TEST_F(SpreaddConfigErrorTest, BadValueTheTransportRejects) {
  expectRefused({"transport.fake.stopDelayMs = soon"}, "4: transport.fake.stopDelayMs: stopDelayMs must be");
}

TEST_F(SpreaddConfigErrorTest, TransportThatFailsToStartStopsTheDaemon) {
  expectRefused({"transport.fake.failStart = true"}, "4: transport.fake.failStart: failStart is set");
}

TEST_F(SpreaddConfigErrorTest, TransportsStartedBeforeAFailingOneAreStopped) {
  const std::string config = fakeConfig({"spread.transports = fake, fake2", "transport.fake2.failStart = on"});
  std::string errors;
  std::string output;
  const ExitStatus status = runToExit({"--config", config}, &errors, &output);
  EXPECT_TRUE(status.exitedWith(69)) << status << errors;
  EXPECT_THAT(errors, HasSubstr(config + ":5: transport.fake2.failStart: failStart is set"));
  EXPECT_THAT(errors, HasSubstr("fake transport draining"));
  EXPECT_THAT(errors, Not(HasSubstr("fake2 transport draining")));
  EXPECT_THAT(output, Not(HasSubstr("listening")));
}

TEST_F(SpreaddConfigErrorTest, UnopenableLogFileIsNamed) {
  const std::string config = fakeConfig({"logging.file = no/such/directory/spreadd.log"});
  std::string errors;
  EXPECT_TRUE(runToExit({"--config", config}, &errors).exitedWith(78));
  EXPECT_THAT(errors, HasSubstr(config + ":4: logging.file: cannot be opened"));
}

TEST_F(SpreaddConfigErrorTest, CheckConfigReportsTheSameErrors) {
  const std::string config = fakeConfig({"spread.shutdownGraceMs = -1"});
  std::string errors;
  EXPECT_TRUE(runToExit({"--check-config", "--config", config}, &errors).exitedWith(78));
  EXPECT_THAT(errors, HasSubstr(config + ":4: spread.shutdownGraceMs: -1 is out of range"));
}

TEST_F(SpreaddConfigErrorTest, MissingConfigFileIsNamed) {
  std::string errors;
  EXPECT_FALSE(runToExit({"--config", "nowhere.properties"}, &errors).exitedWith(0));
  EXPECT_THAT(errors, HasSubstr((directory_ / "nowhere.properties").string()));
}

TEST_F(SpreaddConfigErrorTest, StrayArgumentIsRefused) {
  std::string errors;
  EXPECT_FALSE(runToExit({"--config", fakeConfig(), "extra"}, &errors).exitedWith(0));
  EXPECT_THAT(errors, HasSubstr("unexpected argument 'extra'"));
}

}  // namespace
}  // namespace spread::testing
