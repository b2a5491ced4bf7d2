// Proves a churn run is repeatable in its choices: one seed gives each slot the same
// lives in the same order, slots and seeds differ from each other, kinds follow the mix
// (a kind weighted 0 never occurs), and every drawn value stays within its bounds.
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "life_plan.h"
#include "seeded_random.h"

namespace spread::bench {
namespace {

std::vector<LifePlan> lives(const ChurnOptions& options, std::uint32_t slot, int count) {
  LifePicker picker(options, slot);
  std::vector<LifePlan> plans;
  for (int i = 0; i < count; ++i) plans.push_back(picker.next());
  return plans;
}

TEST(LifePlanTest, TheSameSeedAndSlotGiveTheSameLives) {
  ChurnOptions options;
  options.seed = 42;
  EXPECT_EQ(lives(options, 7, 200), lives(options, 7, 200));
}

TEST(LifePlanTest, SlotsAndSeedsGiveDifferentLives) {
  ChurnOptions options;
  options.seed = 42;
  const auto slot7 = lives(options, 7, 50);
  EXPECT_NE(slot7, lives(options, 8, 50));
  options.seed = 43;
  EXPECT_NE(slot7, lives(options, 7, 50));
}

TEST(LifePlanTest, KindsFollowTheMix) {
  ChurnOptions options;
  options.mix = {3, 0, 1, 0, 0};  // good 75%, flooder 25%, no others
  std::array<int, kLifeKinds> seen{};
  for (const LifePlan& plan : lives(options, 0, 4000)) ++seen[static_cast<std::size_t>(plan.kind)];
  EXPECT_EQ(seen[1] + seen[3] + seen[4], 0);
  EXPECT_NEAR(seen[0], 3000, 150);
  EXPECT_NEAR(seen[2], 1000, 150);
}

TEST(LifePlanTest, DrawsStayWithinTheirBounds) {
  ChurnOptions options;
  options.topics = 3;
  options.lifeMinS = 0.25;
  options.lifeMaxS = 0.5;
  std::array<int, 3> topics{};
  options.stallMinS = 1;
  options.stallMaxS = 2;
  for (const LifePlan& plan : lives(options, 3, 2000)) {
    ASSERT_LT(plan.topic, 3u);
    ++topics[plan.topic];
    const bool stalls = plan.kind == LifeKind::kStaller;
    EXPECT_GE(plan.activeUs, stalls ? 1'000'000 : 250'000);
    EXPECT_LE(plan.activeUs, stalls ? 2'000'000 : 500'000);
    EXPECT_GE(plan.gapUs, 0);
    EXPECT_LE(plan.gapUs, 200'000);
    EXPECT_GE(plan.prefixPermille, 1u);
    EXPECT_LE(plan.prefixPermille, 999u);
  }
  for (int count : topics) EXPECT_GT(count, 500);
}

TEST(SeededRandomTest, IsTheSameSequenceEverywhere) {
  // SplitMix64 of seed 0: fixed values, so a change of algorithm (and of every run's
  // choices) cannot pass unnoticed.
  SeededRandom random(0);
  EXPECT_EQ(random.next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(random.next(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(random.below(0), 0u);
  EXPECT_EQ(random.between(5, 5), 5);
}

}  // namespace
}  // namespace spread::bench
