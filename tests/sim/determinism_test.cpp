// Proves runs are reproducible: every library scenario, and a range of generated ones,
// gives a byte-identical trace when run twice, and the seed really drives the run (a
// scenario with jitter traces differently under another seed).
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "fuzzer.h"
#include "sim_test_support.h"
#include "trace.h"

namespace spread::sim {
namespace {

using testing::runOptions;

struct Traced {
  RunResult result;
  std::string text;
};

Traced traced(const Scenario& scenario, std::optional<std::uint64_t> seed = std::nullopt) {
  std::ostringstream out;
  RunOptions options = runOptions();
  options.traceOut = &out;
  options.seed = seed;
  RunResult result = runScenario(scenario, options);
  return Traced{std::move(result), out.str()};
}

std::vector<std::string> libraryScenarios() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(SPREAD_SIM_SCENARIO_DIR)) {
    if (entry.path().extension() == ".scn") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(DeterminismTest, EveryLibraryScenarioPassesTwiceWithIdenticalTraces) {
  const std::vector<std::string> files = libraryScenarios();
  ASSERT_GE(files.size(), 8u);
  for (const std::string& file : files) {
    ParseResult parsed = loadScenario(file);
    ASSERT_TRUE(std::holds_alternative<Scenario>(parsed)) << std::get<ParseError>(parsed).text();
    const Traced first = traced(std::get<Scenario>(parsed));
    const Traced second = traced(std::get<Scenario>(parsed));
    EXPECT_TRUE(first.result.ok()) << first.result.describe(file);
    EXPECT_GT(first.result.traceLines, 10u) << file;
    EXPECT_EQ(first.result.traceHash, second.result.traceHash) << file;
    EXPECT_EQ(first.text, second.text) << file;
  }
}

TEST(DeterminismTest, TraceHashIsTheHashOfTheWrittenTrace) {
  ParseResult parsed = loadScenario(std::string(SPREAD_SIM_SCENARIO_DIR) + "/chatroom.scn");
  ASSERT_TRUE(std::holds_alternative<Scenario>(parsed));
  const Traced run = traced(std::get<Scenario>(parsed));
  // The hash is over every line written, in order: it compares whole traces.
  std::uint64_t hash = kTraceHashSeed;
  std::istringstream lines(run.text);
  for (std::string line; std::getline(lines, line);) hash = hashTraceLine(hash, line);
  EXPECT_EQ(hash, run.result.traceHash);
  EXPECT_NE(hashTraceLine(kTraceHashSeed, "{\"ev\":\"a\"}"), hashTraceLine(kTraceHashSeed, "{\"ev\":\"b\"}"));
  EXPECT_NE(hashTraceLine(kTraceHashSeed, "a"), hashTraceLine(kTraceHashSeed, std::string_view("a\0", 2)));
  EXPECT_EQ(static_cast<std::uint64_t>(std::count(run.text.begin(), run.text.end(), '\n')),
            run.result.traceLines);
}

TEST(DeterminismTest, GeneratedScenariosRepeatExactly) {
  for (std::uint64_t seed = 1; seed <= 25; ++seed) {
    const Scenario scenario = Fuzzer::generate(seed);
    EXPECT_EQ(formatScenario(scenario), formatScenario(Fuzzer::generate(seed))) << "seed " << seed;
    const Traced first = traced(scenario);
    const Traced second = traced(scenario);
    EXPECT_TRUE(first.result.ok()) << first.result.describe(scenario.file);
    EXPECT_EQ(first.text, second.text) << "seed " << seed;
  }
}

TEST(DeterminismTest, SeedDrivesTheJitter) {
  ParseResult parsed = loadScenario(std::string(SPREAD_SIM_SCENARIO_DIR) + "/disconnect_mid_burst.scn");
  ASSERT_TRUE(std::holds_alternative<Scenario>(parsed));
  const Traced one = traced(std::get<Scenario>(parsed), 1);
  const Traced two = traced(std::get<Scenario>(parsed), 2);
  EXPECT_TRUE(one.result.ok()) << one.result.describe("disconnect_mid_burst.scn");
  EXPECT_TRUE(two.result.ok()) << two.result.describe("disconnect_mid_burst.scn");
  EXPECT_NE(one.result.traceHash, two.result.traceHash);
}

}  // namespace
}  // namespace spread::sim
