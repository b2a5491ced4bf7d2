// Proves the checks catch real broken runs end to end: each deliberate bug switched on
// in the sim plugin (a lost or duplicated message, a double close, a queue one slot too
// big or small, a late stop...) or in the real server code (a topic that skips a
// subscriber, a queue without its bound, an unflushed close, a parser that takes bad
// UTF-8) makes its scenario break the named invariant, and the same scenario passes with
// the bug off.
#include "sim_test_support.h"

namespace spread::sim {
namespace {

using testing::parsed;
using testing::runOptions;

// A fast reader and a stalled one with a 4-message queue; the stalled one is evicted,
// the shutdown cuts its link at the grace deadline, and then its client leaves.
constexpr const char* kStalledReader =
    "set sendWindow 512\n"
    "0ms join fast\n"
    "0ms join slow window=512\n"
    "0ms subscribe fast chat\n"
    "0ms subscribe slow chat queue=4\n"
    "1ms stall slow\n"
    "5ms burst fast chat 200 every=100us\n"
    "50ms shutdown grace=100ms\n"
    "200ms leave slow\n";

// A reader stalls and resumes, then a message arrives.
constexpr const char* kStallResume =
    "0ms join a\n"
    "0ms subscribe a chat\n"
    "5ms stall a\n"
    "10ms resume a\n"
    "20ms publish a chat \"after resume\"\n";

constexpr const char* kBurst =
    "0ms join a\n"
    "0ms subscribe a chat\n"
    "5ms burst a chat 10\n";

// The shutdown closes a slow reader's connection while messages are still on their way.
constexpr const char* kSlowReaderShutdown =
    "0ms join a rate=100\n"
    "0ms subscribe a chat\n"
    "5ms burst a chat 20\n"
    "10ms shutdown grace=1s\n";

// The shutdown comes while a stalled reader's session still queues most of a burst; the
// reader resumes well within the grace period, so everything can be flushed.
constexpr const char* kShutdownWhileQueued =
    "set sendWindow 512\n"
    "0ms join a window=512\n"
    "0ms subscribe a chat queue=64\n"
    "1ms stall a\n"
    "5ms burst a chat 30 size=200\n"
    "10ms shutdown grace=2s\n"
    "20ms resume a\n";

// One subscriber leaves while the other stays, well before the shutdown.
constexpr const char* kTwoReadersOneLeaves =
    "0ms join a\n"
    "0ms join b\n"
    "0ms subscribe a chat\n"
    "0ms subscribe b chat\n"
    "5ms burst a chat 10\n"
    "50ms leave b\n";

// A byte-level client upgrades, sends text that is not UTF-8, then pings.
constexpr const char* kBadTextThenPing =
    "0ms join eve\n"
    "1ms raw eve \"GET /subscribe?topic=chat HTTP/1.1\\r\\nHost: localhost\\r\\nUpgrade: websocket\\r\\n"
    "Connection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n\"\n"
    "2ms frame eve text \"\\xff\\xfe\"\n"
    "3ms frame eve ping \"after\"\n";

struct BugCase {
  const char* bug;
  const char* scenario;
  const char* invariant;
};

void PrintTo(const BugCase& bug, std::ostream* out) { *out << bug.bug; }

std::string testName(const ::testing::TestParamInfo<BugCase>& info) {
  std::string name = info.param.bug;
  for (char& c : name) c = c == '-' ? '_' : c;
  return name;
}

class InjectedBugTest : public ::testing::TestWithParam<BugCase> {};

TEST_P(InjectedBugTest, ScenarioPassesWithoutTheBug) {
  const RunResult result = runScenario(parsed(GetParam().scenario), runOptions());
  EXPECT_TRUE(result.ok()) << result.describe("test.scn");
}

TEST_P(InjectedBugTest, BugBreaksTheNamedInvariant) {
  RunOptions options = runOptions();
  options.bugs = {GetParam().bug};
  const RunResult result = runScenario(parsed(GetParam().scenario), options);
  ASSERT_TRUE(result.setupError.empty()) << result.setupError;
  ASSERT_TRUE(result.violation.has_value()) << "bug " << GetParam().bug << " went unnoticed";
  EXPECT_EQ(result.violation->invariant, GetParam().invariant) << result.describe("test.scn");
  EXPECT_GT(result.line, 0) << "a failure names the scenario line in effect";
}

INSTANTIATE_TEST_SUITE_P(Bugs, InjectedBugTest,
                         ::testing::Values(BugCase{"drop-after-resume", kStallResume, "no-loss"},
                                           BugCase{"duplicate-delivery", kBurst, "log-order"},
                                           BugCase{"end-before-flush", kSlowReaderShutdown, "after-end"},
                                           BugCase{"queue-off-by-one", kStalledReader, "queue-bound"},
                                           BugCase{"window-ignored", kStalledReader, "queue-bound"},
                                           BugCase{"early-drop", kStalledReader, "drop-justified"},
                                           BugCase{"close-twice", kStalledReader, "close-once"},
                                           BugCase{"lost-close", kStalledReader, "close-once"},
                                           BugCase{"slow-stop", kStalledReader, "shutdown-grace"},
                                           BugCase{"throw-in-task", kBurst, "no-exception"},
                                           BugCase{"wrong-drop-code", kStalledReader, "drop-justified"},
                                           BugCase{"stop-offering", kTwoReadersOneLeaves, "no-loss"},
                                           BugCase{"reorder-publishes", kBurst, "publisher-order"},
                                           // In the real server code (core::InjectedFaults).
                                           BugCase{"topic-skips-subscriber", kTwoReadersOneLeaves, "no-loss"},
                                           BugCase{"queue-forgets-bound", kStalledReader, "queue-bound"},
                                           BugCase{"unflushed-close", kShutdownWhileQueued, "no-loss"}),
                         testName);

// Reached through a byte-level client's bytes.
INSTANTIATE_TEST_SUITE_P(ByteLevelBugs, InjectedBugTest,
                         ::testing::Values(BugCase{"parser-accepts-bad-utf8", kBadTextThenPing, "protocol-close"}),
                         testName);

TEST(InjectedBugTest, UnknownBugIsASetupError) {
  RunOptions options = runOptions();
  options.bugs = {"no-such-bug"};
  const RunResult result = runScenario(parsed(kBurst), options);
  EXPECT_EQ(result.setupError, "unknown bug 'no-such-bug'");
}

TEST(ExpectationTest, FailedExpectationNamesItsLine) {
  const RunResult result =
      runScenario(parsed(std::string(kBurst) + "50ms expect a received 11\n"), runOptions());
  ASSERT_TRUE(result.violation.has_value());
  EXPECT_EQ(result.violation->invariant, "expectation");
  EXPECT_EQ(result.line, 4);
  EXPECT_NE(result.describe("t.scn").find("t.scn:4: invariant expectation broken (seed 1): expected '50ms "
                                          "expect a received 11', but the count is 10"),
            std::string::npos)
      << result.describe("t.scn");
}

// An idle timeout and a shutdown both close with 1001; the reason tells them apart.
TEST(ExpectationTest, AClosedExpectationWithAReasonTellsAnIdleTimeoutFromAShutdown) {
  const std::string idle =
      "set pingInterval 20ms\n"
      "set idleTimeout 60ms\n"
      "0ms join sleepy\n"
      "0ms subscribe sleepy chat\n"
      "5ms stall sleepy\n";
  EXPECT_TRUE(runScenario(parsed(idle + "300ms expect sleepy closed 1001 \"idle timeout\"\n"), runOptions()).ok());
  const RunResult wrong =
      runScenario(parsed(idle + "300ms expect sleepy closed 1001 \"server shutting down\"\n"), runOptions());
  ASSERT_TRUE(wrong.violation.has_value());
  EXPECT_EQ(wrong.violation->invariant, "expectation");
  EXPECT_NE(wrong.violation->detail.find("closed with 1001 \"idle timeout\""), std::string::npos)
      << wrong.violation->detail;
}

}  // namespace
}  // namespace spread::sim
