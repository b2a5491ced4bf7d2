// Proves fuzzing finds a deliberately injected bug and shrinks it: the shrunk scenario
// is much smaller than the generated one, still fails the same invariant when written
// out and replayed on its own, and passes once the bug is switched off.
#include "shrinker.h"
#include "fuzzer.h"
#include "sim_test_support.h"

namespace spread::sim {
namespace {

using testing::parsed;
using testing::runOptions;

class FuzzFindsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FuzzFindsTest, FuzzFindsAnInjectedBugAndShrinksItToAFewLines) {
  RunOptions options = runOptions();
  options.bugs = {GetParam()};
  std::optional<Scenario> failing;
  std::string invariant;
  for (std::uint64_t seed = 1; seed <= 200 && !failing; ++seed) {
    Scenario scenario = Fuzzer::generate(seed);
    RunResult result = runScenario(scenario, options);
    ASSERT_TRUE(result.setupError.empty()) << result.setupError;
    if (result.violation) {
      failing = std::move(scenario);
      invariant = result.violation->invariant;
    }
  }
  ASSERT_TRUE(failing.has_value()) << "200 fuzz seeds missed the injected bug " << GetParam();

  Shrinker shrinker(options);
  const ShrinkResult shrunk = shrinker.shrink(*failing, invariant);
  EXPECT_LT(shrunk.scenario.events.size(), failing->events.size());
  EXPECT_LE(shrunk.scenario.events.size(), 6u) << formatScenario(shrunk.scenario);
  ASSERT_TRUE(shrunk.failure.violation.has_value());
  EXPECT_EQ(shrunk.failure.violation->invariant, invariant);

  // Written out and read back, it fails by itself...
  const std::string text = formatScenario(shrunk.scenario, "shrunk");
  const RunResult replay = runScenario(parsed(text, "shrunk.scn"), options);
  ASSERT_TRUE(replay.violation.has_value()) << text;
  EXPECT_EQ(replay.violation->invariant, invariant);
  // ...and only because of the bug.
  const RunResult clean = runScenario(parsed(text, "shrunk.scn"), runOptions());
  EXPECT_TRUE(clean.ok()) << clean.describe("shrunk.scn");
}

// A bug on the wire, a topic that stops offering to a subscriber, a drop sent with the
// wrong close code.
INSTANTIATE_TEST_SUITE_P(Bugs, FuzzFindsTest, ::testing::Values("drop-after-resume", "stop-offering", "wrong-drop-code",
                                                            "reorder-publishes"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

TEST(ShrinkerTest, KeepsScenariosThatStillParse) {
  // Dropping the join would leave a client used before it joined: the shrinker must keep it.
  RunOptions options = runOptions();
  options.bugs = {"duplicate-delivery"};
  const Scenario scenario = parsed(
      "0ms join a\n0ms join b\n0ms subscribe a chat\n0ms subscribe b chat\n2ms publish b chat \"x\"\n"
      "5ms burst a chat 30\n6ms stall b\n7ms resume b\n");
  const RunResult result = runScenario(scenario, options);
  ASSERT_TRUE(result.violation.has_value());
  const ShrinkResult shrunk = Shrinker(options).shrink(scenario, result.violation->invariant);
  ASSERT_GE(shrunk.scenario.events.size(), 3u);
  EXPECT_EQ(shrunk.scenario.events.front().kind, Event::Kind::kJoin);
  EXPECT_LT(shrunk.scenario.events.size(), scenario.events.size());
}

}  // namespace
}  // namespace spread::sim
