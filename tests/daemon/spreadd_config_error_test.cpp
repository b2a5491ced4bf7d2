// Proves that spreadd refuses a value it cannot use (daemon keys, keys the fake and the
// WebSocket transport check themselves, unreadable files) with exit 78 and "<file>:<line>:
// <key>: <problem>" before anything starts; runs the real binary, serving and --check-config.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "spreadd_fixture.h"

namespace spread::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kExitConfig = 78;

class SpreaddConfigErrorTest : public SpreaddTest {
 protected:
  // Runs spreadd with `args`, once as given and once with --check-config in front, and
  // checks that both exit 78 with `expected` among the errors, having started nothing.
  void expectRefusedBoth(const std::vector<std::string>& args, const std::vector<std::string>& expected) {
    for (const bool checkOnly : {false, true}) {
      SCOPED_TRACE(checkOnly ? "with --check-config" : "serving");
      std::vector<std::string> run = args;
      if (checkOnly) run.insert(run.begin(), "--check-config");
      std::string errors;
      std::string output;
      const ExitStatus status = runToExit(run, &errors, &output);
      EXPECT_TRUE(status.exitedWith(kExitConfig)) << status << "\n" << errors;
      for (const auto& text : expected) EXPECT_THAT(errors, HasSubstr("spreadd: error: " + text)) << errors;
      EXPECT_THAT(errors, Not(HasSubstr("transport started")));
      EXPECT_THAT(output, Not(HasSubstr("ready")));
      EXPECT_THAT(output, Not(HasSubstr("configuration OK")));
    }
  }

  // The fake configuration (three lines, so the first extra line is line 4) with
  // `extraLines`, refused with "<file>:<expected>".
  void expectRefused(const std::vector<std::string>& extraLines, const std::string& expected) {
    const std::string config = fakeConfig(extraLines);
    expectRefusedBoth({"--config", config}, {config + ":" + expected});
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

TEST_F(SpreaddConfigErrorTest, NegativeDuration) {
  expectRefused({"spread.shutdownGraceMs = -1"}, "4: spread.shutdownGraceMs: -1 is out of range");
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

TEST_F(SpreaddConfigErrorTest, EveryTransportIsCheckedBeforeAnyStarts) {
  // fake would start fine; fake2's key error must stop the daemon before it does.
  const std::string config = fakeConfig({"spread.transports = fake, fake2", "transport.fake2.colour = red"});
  expectRefusedBoth({"--config", config}, {config + ":5: transport.fake2.colour: unknown key 'colour'"});
}

TEST_F(SpreaddConfigErrorTest, EachTransportWithABadKeyIsNamed) {
  const std::string config = fakeConfig(
      {"spread.transports = fake, fake2", "transport.fake.failStart = maybe", "transport.fake2.stopDelayMs = x"});
  expectRefusedBoth({"--config", config}, {config + ":5: transport.fake.failStart: failStart must be true or false",
                                           config + ":6: transport.fake2.stopDelayMs: stopDelayMs must be"});
}

TEST_F(SpreaddConfigErrorTest, WebSocketPortThatIsNotANumber) {
  expectRefused({"spread.transports = websocket", "transport.websocket.port = 80x"},
                "5: transport.websocket.port: must be a whole number from 0 to 65535, not '80x'");
}

TEST_F(SpreaddConfigErrorTest, WebSocketKeyItDoesNotKnow) {
  expectRefused({"spread.transports = websocket", "transport.websocket.prot = 8000"},
                "5: transport.websocket.prot: unknown key (known: host, port,");
}

TEST_F(SpreaddConfigErrorTest, UnopenableLogFileIsNamed) {
  expectRefused({"logging.file = no/such/directory/spreadd.log"}, "4: logging.file: cannot be opened");
}

TEST_F(SpreaddConfigErrorTest, MissingConfigFileIsNamed) {
  expectRefusedBoth({"--config", "nowhere.properties"},
                    {"cannot read the configuration: File not found: " + (directory_ / "nowhere.properties").string()});
}

TEST_F(SpreaddConfigErrorTest, UnwritablePidFileIsNamed) {
  const std::string pidFile = (directory_ / "no" / "such" / "spreadd.pid").string();
  expectRefusedBoth({"--pidfile", "no/such/spreadd.pid", "--config", fakeConfig()},
                    {"--pidfile " + pidFile + ": cannot be written"});
}

}  // namespace
}  // namespace spread::testing
