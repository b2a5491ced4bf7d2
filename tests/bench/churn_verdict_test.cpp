// Proves the churn verdict: it passes a run whose server came back within its slack and
// whose readers lost nothing, and fails, naming the figure, a run with a leak of memory,
// descriptors or threads, a lost or repeated message, good readers left unserved, or
// nothing checked at all.
#include <gtest/gtest.h>

#include "churn_options.h"
#include "churn_verdict.h"

namespace spread::bench {
namespace {

ServerSample server(std::uint64_t rssBytes, std::uint32_t descriptors, std::uint32_t threads) {
  ServerSample sample;
  sample.process.rssBytes = rssBytes;
  sample.process.threads = threads;
  sample.descriptors = descriptors;
  return sample;
}

ChurnResult passingRun() {
  ChurnResult result;
  result.baseline = server(20'000'000, 40, 9);
  result.after = server(20'500'000, 44, 10);
  result.tally.readersJudged = 100;
  result.tally.owed = 10'000;
  result.publishesAccepted = 5'000;
  return result;
}

bool mentions(const std::vector<std::string>& failures, const std::string& text) {
  for (const auto& failure : failures) {
    if (failure.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(ChurnVerdictTest, PassesARunBackWithinItsSlack) { EXPECT_TRUE(churnVerdict(passingRun()).empty()); }

TEST(ChurnVerdictTest, AServerThatEndsSmallerPasses) {
  ChurnResult result = passingRun();
  result.after = server(15'000'000, 30, 8);
  EXPECT_TRUE(churnVerdict(result).empty());
}

TEST(ChurnVerdictTest, FailsOnRssGrowthBeyondThePercentage) {
  ChurnResult result = passingRun();
  result.after->process.rssBytes = 21'100'000;  // +5.5%
  const auto failures = churnVerdict(result);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_TRUE(mentions(failures, "server RSS grew 5.5%"));
}

TEST(ChurnVerdictTest, DescriptorsAndThreadsGetTheLargerOfPercentAndAbsoluteSlack) {
  EXPECT_EQ(allowedGrowth(40, 5, 8), 8u);
  EXPECT_EQ(allowedGrowth(1000, 5, 8), 50u);
  ChurnResult result = passingRun();
  result.after->descriptors = 48;  // +8: allowed
  result.after->process.threads = 11;  // +2: allowed
  EXPECT_TRUE(churnVerdict(result).empty());
  result.after->descriptors = 49;
  result.after->process.threads = 12;
  const auto failures = churnVerdict(result);
  EXPECT_TRUE(mentions(failures, "server descriptors grew from 40 to 49"));
  EXPECT_TRUE(mentions(failures, "server threads grew from 9 to 12"));
}

TEST(ChurnVerdictTest, FailsOnLossDuplicatesAndReorders) {
  ChurnResult result = passingRun();
  result.tally.missing = 3;
  result.tally.readersWithLoss = 1;
  result.tally.duplicates = 2;
  result.tally.reorders = 1;
  const auto failures = churnVerdict(result);
  EXPECT_TRUE(mentions(failures, "1 good readers lost 3 of 10000"));
  EXPECT_TRUE(mentions(failures, "2 messages were delivered twice"));
  EXPECT_TRUE(mentions(failures, "1 messages arrived out of order"));
}

TEST(ChurnVerdictTest, ARunThatCheckedNothingFails) {
  ChurnResult result = passingRun();
  result.tally.readersJudged = 0;
  result.publishesAccepted = 0;
  const auto failures = churnVerdict(result);
  EXPECT_TRUE(mentions(failures, "no good reader"));
  EXPECT_TRUE(mentions(failures, "no publish was accepted"));
}

TEST(ChurnVerdictTest, FailsWhenTooFewGoodReadersWereServedToTheirCleanClose) {
  ChurnResult result = passingRun();
  auto& good = result.tally.kinds[static_cast<std::size_t>(LifeKind::kGoodReader)].outcomes;
  good[kOutcomeClean] = 90;
  good["connect timeout"] = 10;
  good[kOutcomeEndedByRun] = 500;  // cut by the end of a phase: not counted
  EXPECT_TRUE(churnVerdict(result).empty());
  good["no message in time"] = 1;
  const auto failures = churnVerdict(result);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_TRUE(mentions(failures, "only 89.1% of the good readers"));
  EXPECT_TRUE(mentions(failures, "connect timeout 10, no message in time 1"));
}

TEST(ChurnVerdictTest, AServerThatVanishedFails) {
  ChurnResult result = passingRun();
  result.after.reset();
  EXPECT_TRUE(mentions(churnVerdict(result), "could not be sampled after the run"));
}

}  // namespace
}  // namespace spread::bench
