// Proves the checks catch real broken runs end to end: each deliberate bug switched on
// in the sim plugin (a lost or duplicated message, a double close, a queue one slot too
// big or small, a late stop...) or in the real server code (a topic that skips a
// subscriber, a queue without its bound, an unflushed close, a parser that takes bad
// UTF-8) makes its scenario break the named invariant, and the same scenario passes with
// the bug off. Then that `expect` lines hold and fail as they should, per client and per
// connection: each is run right and wrong on the same run.
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

// alice reads chat and news on two connections and stalls news alone; she publishes
// frames on both and is refused on chat twice, once for an empty message and once for a
// full topic (bob's burst fills its inbound queue of 2, with no wait for room).
constexpr const char* kTwoConnections =
    "set inbound 2\n"
    "set publishWait 0ms\n"
    "0ms join alice\n"
    "0ms join bob\n"
    "0ms subscribe alice chat\n"
    "0ms subscribe alice news\n"
    "0ms subscribe bob chat\n"
    "0ms subscribe bob news\n"
    "5ms stall alice news\n"
    "10ms publish bob chat \"one\"\n"
    "10ms publish bob news \"two\"\n"
    "20ms send alice chat \"on chat\"\n"
    "20ms send alice news \"on news\"\n"
    "21ms send alice news \"on news again\"\n"
    "25ms send alice chat \"\"\n"
    "30ms burst bob chat 4\n"
    "30ms send alice chat \"crowded\"\n";

struct ExpectCase {
  const char* name;
  const char* lines;   // appended to kTwoConnections
  const char* detail;  // empty: the lines hold; else the failure names this
};

void PrintTo(const ExpectCase& c, std::ostream* out) { *out << c.name; }

class PerConnectionExpectationTest : public ::testing::TestWithParam<ExpectCase> {};

TEST_P(PerConnectionExpectationTest, HoldsOrFailsNamingTheCount) {
  const RunResult result = runScenario(parsed(std::string(kTwoConnections) + GetParam().lines), runOptions());
  if (std::string(GetParam().detail).empty()) {
    EXPECT_TRUE(result.ok()) << result.describe("test.scn");
    return;
  }
  ASSERT_TRUE(result.violation.has_value()) << GetParam().lines << " held";
  EXPECT_EQ(result.violation->invariant, "expectation") << result.describe("test.scn");
  EXPECT_NE(result.violation->detail.find(GetParam().detail), std::string::npos) << result.violation->detail;
}

INSTANTIATE_TEST_SUITE_P(
    Expectations, PerConnectionExpectationTest,
    ::testing::Values(
        // The stall stops news alone: chat reads "one", its own frame and two of bob's burst.
        ExpectCase{"StalledConnectionReadsNothing", "40ms expect alice news received 0\n", ""},
        ExpectCase{"StalledConnectionWrong", "40ms expect alice news received 1\n", "but the count is 0"},
        ExpectCase{"OtherConnectionKeepsReading", "40ms expect alice chat received 4\n", ""},
        ExpectCase{"OtherConnectionWrong", "40ms expect alice chat received 0\n", "but the count is 4"},
        ExpectCase{"ClientTotal", "40ms expect alice received 4\n", ""},
        ExpectCase{"ClientTotalWrong", "40ms expect alice received 5\n", "but the count is 4"},
        // Resuming one connection resumes that one, at its own rate.
        ExpectCase{"ResumedConnectionReadsItsBacklog", "45ms resume alice news\n50ms expect alice news received 3\n",
                   ""},
        ExpectCase{"ResumingAnotherLeavesItStalled", "45ms resume alice chat\n50ms expect alice news received 1\n",
                   "but the count is 0"},
        ExpectCase{"ResumedAtItsOwnRate", "45ms resume alice news rate=100\n50ms expect alice news received 1\n",
                   ""},
        ExpectCase{"ResumedAtItsOwnRateWrong",
                   "45ms resume alice news rate=100\n50ms expect alice news received 3\n", "but the count is 1"},
        ExpectCase{"WholeClientResumeReachesIt", "45ms resume alice\n50ms expect alice news received 3\n", ""},
        // Accepted frames count as published, on the connection that sent them.
        ExpectCase{"FramesPublishedOnChat", "40ms expect alice chat published 1\n", ""},
        ExpectCase{"FramesPublishedOnChatWrong", "40ms expect alice chat published 2\n", "but the count is 1"},
        ExpectCase{"FramesPublishedOnNews", "40ms expect alice news published 2\n", ""},
        ExpectCase{"FramesPublishedOnNewsWrong", "40ms expect alice news published <=1\n", "but the count is 2"},
        ExpectCase{"ClientPublishedCountsFrames", "40ms expect alice published 3\n", ""},
        ExpectCase{"ClientPublishedCountsFramesWrong", "40ms expect alice published 0\n", "but the count is 3"},
        ExpectCase{"PostsStillCount", "40ms expect bob published 4\n", ""},
        // Refusals by kind: error frames read on a connection, POST answers for the client.
        ExpectCase{"RejectedOnChat", "40ms expect alice chat rejected 2\n", ""},
        ExpectCase{"RejectedBadRequest", "40ms expect alice chat rejected 1 kind=bad_request\n", ""},
        ExpectCase{"RejectedBusy", "40ms expect alice chat rejected 1 kind=busy\n", ""},
        ExpectCase{"RejectedBusyWrong", "40ms expect alice chat rejected 2 kind=busy\n",
                   "but the count is 1 (bad_request 1, busy 1)"},
        ExpectCase{"RejectedBadRequestWrong", "40ms expect alice chat rejected >=2 kind=bad_request\n",
                   "but the count is 1 (bad_request 1, busy 1)"},
        ExpectCase{"NothingRejectedOnNews", "40ms expect alice news rejected 0\n", ""},
        ExpectCase{"NothingRejectedOnNewsWrong", "40ms expect alice news rejected >=1\n", "but the count is 0"},
        ExpectCase{"PostsRejectedBusy", "40ms expect bob rejected 2 kind=busy\n", ""},
        ExpectCase{"PostsRejectedBadRequestWrong", "40ms expect bob rejected 1 kind=bad_request\n",
                   "but the count is 0 (busy 2)"},
        ExpectCase{"PostsRejectedDraining",
                   "60ms shutdown grace=100ms\n60ms publish alice chat \"late\"\n80ms expect alice rejected 1 "
                   "kind=draining\n80ms expect alice rejected 3\n",
                   ""},
        ExpectCase{"PostsRejectedDrainingWrong",
                   "60ms shutdown grace=100ms\n60ms publish alice chat \"late\"\n80ms expect alice rejected 0 "
                   "kind=draining\n",
                   "but the count is 1 (bad_request 1, busy 1, draining 1)"},
        // Closed and open, per connection.
        ExpectCase{"OneConnectionLeaves",
                   "45ms leave alice news\n50ms expect alice news closed 1000\n50ms expect alice chat open\n", ""},
        ExpectCase{"LeftConnectionIsNotOpen", "45ms leave alice news\n50ms expect alice news open\n",
                   "alice's latest connection to news has ended"},
        ExpectCase{"OtherConnectionHasNotClosed", "45ms leave alice news\n50ms expect alice chat closed 1000\n",
                   "alice's latest connection to chat has not closed"},
        // A frame on a topic goes out on that connection.
        ExpectCase{"SendOnATopic", "45ms send alice news \"late news\"\n50ms expect alice news published 3\n",
                   ""},
        ExpectCase{"SendOnATopicWrong",
                   "45ms send alice news \"late news\"\n50ms expect alice chat published 2\n",
                   "but the count is 1"}),
    [](const ::testing::TestParamInfo<ExpectCase>& info) { return std::string(info.param.name); });

// Frames of the same bytes from two connections cannot be told apart: the count is a
// range, and an expectation holds only if it holds all over it, never on a guess.
TEST(ExpectationTest, FramesOfTheSameBytesFromTwoConnectionsGiveARange) {
  const std::string twoOnChat =
      "0ms join alice\n"
      "0ms subscribe alice chat\n"
      "0ms subscribe alice chat\n"
      "10ms send alice \"same\"\n"
      "10ms send alice chat \"same\"\n";
  // Both are alice's, whichever connection sent which.
  EXPECT_TRUE(runScenario(parsed(twoOnChat + "20ms expect alice published 2\n"), runOptions()).ok());
  EXPECT_TRUE(runScenario(parsed(twoOnChat + "20ms expect alice chat published <=1\n"), runOptions()).ok());
  const RunResult exact = runScenario(parsed(twoOnChat + "20ms expect alice chat published 1\n"), runOptions());
  ASSERT_TRUE(exact.violation.has_value());
  EXPECT_EQ(exact.violation->invariant, "expectation");
  EXPECT_NE(exact.violation->detail.find("but the count is 0 to 1: 1 accepted text frame(s) had the bytes of a "
                                         "frame from another connection"),
            std::string::npos)
      << exact.violation->detail;
}

}  // namespace
}  // namespace spread::sim
