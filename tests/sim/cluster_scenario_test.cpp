// Cluster scenarios: the parser's cluster lines (set nodes, join node=, link, backplane),
// their mistakes reported with file and line, and ClusterRun's invariants, each shown to
// catch a backplane broken on purpose in a scenario that has no expect line to do it.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "scenario_parser.h"
#include "sim_test_support.h"
#include "simulator.h"

namespace spread::sim {
namespace {

using std::chrono::milliseconds;
using testing::parsed;
using testing::runOptions;

TEST(ClusterScenarioParserTest, ReadsTheClusterLinesAndWritesThemBackTheSame) {
  const Scenario s = parsed(
      "set nodes 3\n"
      "0ms join alice node=2\n"
      "0ms join bob\n"
      "1ms link node=2 cut\n"
      "2ms link node=2 heal\n"
      "3ms link node=3 delay=50ms\n"
      "4ms backplane restart\n"
      "5ms backplane restart down=25ms\n");
  EXPECT_EQ(s.settings.nodes, 3);
  ASSERT_EQ(s.events.size(), 7u);
  EXPECT_EQ(s.events[0].node, 2);
  EXPECT_EQ(s.events[1].node, 1);
  EXPECT_EQ(s.events[2].kind, Event::Kind::kLink);
  EXPECT_EQ(s.events[2].linkChange, Event::LinkChange::kCut);
  EXPECT_EQ(s.events[3].linkChange, Event::LinkChange::kHeal);
  EXPECT_EQ(s.events[4].linkChange, Event::LinkChange::kDelay);
  EXPECT_EQ(s.events[4].node, 3);
  EXPECT_EQ(s.events[4].delay, milliseconds(50));
  EXPECT_EQ(s.events[5].kind, Event::Kind::kBackplane);
  EXPECT_EQ(s.events[5].delay, milliseconds(10));
  EXPECT_EQ(s.events[6].delay, milliseconds(25));

  const Scenario again = parsed(formatScenario(s));
  EXPECT_EQ(again.settings, s.settings);
  ASSERT_EQ(again.events.size(), s.events.size());
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    Event written = again.events[i];
    written.line = s.events[i].line;
    EXPECT_EQ(written, s.events[i]) << formatEvent(s.events[i]);
  }
}

struct BadLine {
  std::string name;
  std::string text;
  std::string error;  // "test.scn:<line>: <message>"
};
void PrintTo(const BadLine& line, std::ostream* out) { *out << line.name; }
std::string badLineName(const ::testing::TestParamInfo<BadLine>& info) { return info.param.name; }

class ClusterScenarioBadLineTest : public ::testing::TestWithParam<BadLine> {};

TEST_P(ClusterScenarioBadLineTest, IsReportedWithFileAndLine) {
  ParseResult result = parseScenario(GetParam().text, "test.scn");
  ASSERT_TRUE(std::holds_alternative<ParseError>(result)) << GetParam().text;
  EXPECT_EQ(std::get<ParseError>(result).text(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Lines, ClusterScenarioBadLineTest,
    ::testing::Values(
        BadLine{"LinkWithoutCluster", "0ms link node=1 cut\n",
                "test.scn:1: 'link' needs a cluster: add 'set nodes 2' (or 3) before the first event"},
        BadLine{"BackplaneWithoutCluster", "0ms backplane restart\n",
                "test.scn:1: 'backplane' needs a cluster: add 'set nodes 2' (or 3) before the first event"},
        BadLine{"FourNodes", "set nodes 4\n",
                "test.scn:1: expected nodes (cluster nodes) as a whole number from 1 to 3, got '4'"},
        BadLine{"ZeroNodes", "set nodes 0\n",
                "test.scn:1: expected nodes (cluster nodes) as a whole number from 1 to 3, got '0'"},
        BadLine{"NodeBeyondNodes", "set nodes 2\n0ms join alice node=3\n",
                "test.scn:2: expected node= from 1 to 2 (set nodes 2), got '3'"},
        BadLine{"NodeWithoutCluster", "0ms join alice node=2\n",
                "test.scn:1: expected node= from 1 to 1 (set nodes 1), got '2'"},
        BadLine{"LinkWithoutNodeKey", "set nodes 2\n0ms link 2 cut\n",
                "test.scn:2: expected node=N after 'link', got '2'"},
        BadLine{"UnknownLinkChange", "set nodes 2\n0ms link node=2 explode\n",
                "test.scn:2: expected cut, heal or delay=D after the node, got 'explode'"},
        BadLine{"BadDelay", "set nodes 2\n0ms link node=2 delay=soon\n",
                "test.scn:2: expected delay as a duration like 250us, 10ms or 1.5s, got 'soon'"},
        BadLine{"BackplaneStop", "set nodes 2\n0ms backplane stop\n",
                "test.scn:2: expected 'backplane restart', got 'backplane stop'"},
        BadLine{"SendInCluster", "set nodes 2\n0ms join alice\n1ms send alice \"hi\"\n",
                "test.scn:3: 'send' is not played in a cluster scenario yet (set nodes > 1): use join, subscribe, "
                "publish, burst, leave, disconnect, expect, link or backplane"},
        BadLine{"ClosedInCluster", "set nodes 2\n0ms join alice\nend expect alice closed 1000\n",
                "test.scn:3: a cluster scenario (set nodes > 1) judges received, published, rejected, open and "
                "resumed only"}),
    badLineName);

// A scenario with no expect line: only the cluster invariants can fail it.
constexpr const char* kCutAndRestart =
    "set nodes 2\n"
    "set history 50\n"
    "0ms join alice node=1\n"
    "0ms join bob node=2\n"
    "0ms join carol node=2\n"
    "0ms subscribe alice room\n"
    "0ms subscribe bob room\n"
    "0ms subscribe carol room\n"
    "10ms burst alice room 5 every=1ms\n"
    "20ms link node=2 cut\n"
    "25ms publish bob room \"while cut\"\n"
    "30ms burst alice room 5 every=1ms\n"
    "50ms link node=2 heal\n"
    "60ms disconnect carol\n"
    "70ms backplane restart\n"
    "100ms burst alice room 3 every=1ms\n"
    "120ms subscribe carol room since=read\n"
    "130ms publish alice room \"last\"\n";

// Only a resume after a restart: nobody reads live across it.
constexpr const char* kResumeAfterRestart =
    "set nodes 2\n"
    "set history 50\n"
    "0ms join alice node=1\n"
    "0ms join carol node=2\n"
    "0ms subscribe carol room\n"
    "10ms burst alice room 5 every=1ms\n"
    "20ms disconnect carol\n"
    "30ms backplane restart\n"
    "50ms burst alice room 6 every=1ms\n"
    "70ms subscribe carol room since=read\n";

RunResult run(const std::string& text, const std::string& bug = {}, std::uint64_t seed = 1) {
  RunOptions options = runOptions();
  if (!bug.empty()) options.bugs.push_back(bug);
  options.seed = seed;
  return runScenario(parsed(text), options);
}

TEST(ClusterRunTest, ACutAHealAndARestartKeepEveryInvariant) {
  const RunResult result = run(kCutAndRestart);
  EXPECT_TRUE(result.ok()) << result.describe("cut_and_restart");
  EXPECT_EQ(result.stats.accepted, 14u);  // the refused publish never reached the log
  EXPECT_GT(result.stats.deliveries, 0u);
}

TEST(ClusterRunTest, TheSameSeedGivesTheSameTraceAndAnotherSeedAnother) {
  const RunResult first = run(kCutAndRestart);
  const RunResult second = run(kCutAndRestart);
  const RunResult other = run(kCutAndRestart, {}, 2);
  EXPECT_EQ(first.traceHash, second.traceHash);
  EXPECT_EQ(first.traceLines, second.traceLines);
  EXPECT_NE(first.traceHash, other.traceHash);  // the epochs come from the seed
}

struct CaughtBug {
  std::string bug;
  std::string scenario;
  std::string invariant;
};
void PrintTo(const CaughtBug& caught, std::ostream* out) { *out << caught.bug << " " << caught.invariant; }
std::string caughtName(const ::testing::TestParamInfo<CaughtBug>& info) {
  std::string name = info.param.bug + "_" + info.param.invariant;
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

class ClusterRunCatchesTest : public ::testing::TestWithParam<CaughtBug> {};

TEST_P(ClusterRunCatchesTest, ABrokenBackplane) {
  const RunResult result = run(GetParam().scenario, GetParam().bug);
  ASSERT_TRUE(result.setupError.empty()) << result.setupError;
  ASSERT_TRUE(result.violation.has_value()) << GetParam().bug << " went unnoticed";
  EXPECT_EQ(result.violation->invariant, GetParam().invariant) << result.describe("cut_and_restart");
}

INSTANTIATE_TEST_SUITE_P(Bugs, ClusterRunCatchesTest,
                         ::testing::Values(CaughtBug{"backplane-accepts-while-cut", kCutAndRestart,
                                                     "refused-while-down"},
                                           CaughtBug{"backplane-silent-heal", kCutAndRestart, "cluster-no-loss"},
                                           // Offsets start over in the same epoch: the nodes take them for
                                           // repeats, and a live reader misses them.
                                           CaughtBug{"backplane-keeps-epoch", kCutAndRestart, "cluster-no-loss"},
                                           // ... and a resume into the old offsets is served with a gap.
                                           CaughtBug{"backplane-keeps-epoch", kResumeAfterRestart, "cluster-resume"}),
                         caughtName);

TEST(ClusterRunTest, AResumeAfterARestartIsToldTheEpochChanged) {
  const RunResult result = run(kResumeAfterRestart);
  EXPECT_TRUE(result.ok()) << result.describe("resume_after_restart");
}

TEST(ClusterRunTest, AnUnknownBugIsASetupError) {
  const RunResult result = run(kCutAndRestart, "no-such-bug");
  EXPECT_NE(result.setupError.find("unknown bug 'no-such-bug'"), std::string::npos) << result.setupError;
}

}  // namespace
}  // namespace spread::sim
