// Proves what a reload makes of a newly read configuration: which daemon keys changed, that
// only the log level is applied (and recorded, so the next reload compares with what is in
// effect), that every other changed key is named as needing a restart, and the log line.
#include "configuration_reload.h"

#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "embedded_defaults.h"
#include "logging_setup.h"

namespace spread::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

DaemonConfig read(const std::string& text) {
  static const PropertyFile defaults = PropertyFile::parse(embeddedDefaults(), "defaults");
  const PropertyFile file = PropertyFile::parse(text, "server.properties");
  auto result = readDaemonConfig(defaults, &file);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
    ADD_FAILURE() << errors->front().message();
    return {};
  }
  return std::get<DaemonConfig>(std::move(result));
}

TEST(ChangedKeysTest, NamesKeysWithAnotherValueOrInOneMapOnlySorted) {
  const std::map<std::string, std::string, std::less<>> running{{"a", "1"}, {"b", "2"}, {"c", "3"}};
  const std::map<std::string, std::string, std::less<>> next{{"a", "1"}, {"b", "02"}, {"d", "4"}};
  EXPECT_THAT(changedKeys(running, next), ElementsAre("b", "c", "d"));
  EXPECT_THAT(changedKeys(running, running), IsEmpty());
}

TEST(ChangedKeysTest, ATransportsValuesAreItsKeysWithoutThePrefix) {
  const DaemonConfig config = read("transport.websocket.bodyBytesMax = 1024\n");
  ASSERT_EQ(config.transportSettings.size(), 2u);  // websocket, then sse (the defaults list both)
  EXPECT_EQ(valuesOf(config.transportSettings.front()).at("bodyBytesMax"), "1024");
  EXPECT_EQ(valuesOf(config.transportSettings.back()).at("retryMs"), "2000");
}

class ApplyDaemonKeysTest : public ::testing::Test {
 protected:
  void TearDown() override { setLogPriority(saved_); }
  const int saved_ = Poco::Logger::root().getLevel();
};

TEST_F(ApplyDaemonKeysTest, AppliesTheLogLevelAndNamesEveryOtherChangeAsNeedingARestart) {
  DaemonConfig running = read("logging.level = warning\n");
  setLogPriority(running.logPriority);
  const DaemonConfig next = read("logging.level = debug\nbroker.topicsMax = 10\nsession.queueMessagesMax = 8\n");

  const ReloadSummary summary = applyDaemonKeys(running, next);
  EXPECT_THAT(summary.applied, ElementsAre("logging.level"));
  EXPECT_THAT(summary.needsRestart, ElementsAre("broker.topicsMax", "session.queueMessagesMax"));
  EXPECT_EQ(Poco::Logger::get("spread.transport.websocket").getLevel(), Poco::Message::PRIO_DEBUG);
  EXPECT_EQ(running.logPriority, Poco::Message::PRIO_DEBUG);

  // Compared again with what is in effect: the level is no change any more, the rest still is.
  const ReloadSummary again = applyDaemonKeys(running, next);
  EXPECT_THAT(again.applied, IsEmpty());
  EXPECT_THAT(again.needsRestart, ElementsAre("broker.topicsMax", "session.queueMessagesMax"));
  EXPECT_EQ(running.broker.topicsMax, read("").broker.topicsMax);
}

TEST_F(ApplyDaemonKeysTest, HistoryKeysNeedARestart) {
  DaemonConfig running = read("");
  const ReloadSummary summary = applyDaemonKeys(running, read("history.size = 5\nhistory.ttlMs = 1000\n"));
  EXPECT_THAT(summary.applied, IsEmpty());
  EXPECT_THAT(summary.needsRestart, ElementsAre("history.size", "history.ttlMs"));
  EXPECT_EQ(running.broker.topic.historySize, 100u);
}

TEST(DescribeReloadTest, SaysWhatWasAppliedAndWhatWaitsForARestart) {
  EXPECT_EQ(describeReload("s.properties", {}), "configuration reloaded from s.properties: nothing changed");
  EXPECT_EQ(describeReload("s.properties",
                           {{"logging.level", "transport.websocket.bodyBytesMax"}, {"broker.topicsMax"}}),
            "configuration reloaded from s.properties: applied logging.level, transport.websocket.bodyBytesMax; "
            "needs a restart to take effect: broker.topicsMax");
  EXPECT_EQ(describeReload("s.properties", {{}, {"broker.topicsMax"}}),
            "configuration reloaded from s.properties: nothing applied; needs a restart to take effect: "
            "broker.topicsMax");
}

}  // namespace
}  // namespace spread::daemon
