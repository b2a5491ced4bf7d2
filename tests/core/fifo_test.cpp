// Fifo keeps first-in first-out order across growth, compaction and emptying, releases
// what a popped element held at once, and gives its storage back when it empties.
// Plain unit tests on values and shared_ptr use counts.
#include "spread/core/fifo.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace spread::core {
namespace {

TEST(FifoTest, KeepsOrderAcrossInterleavedPushesAndPops) {
  Fifo<int> fifo;
  int next = 0;
  int expected = 0;
  // Pops lag pushes, so the live range slides forward and forces compaction repeatedly.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 3; ++i) fifo.push(next++);
    for (int i = 0; i < 2; ++i) ASSERT_EQ(fifo.pop(), expected++);
  }
  ASSERT_EQ(fifo.size(), static_cast<std::size_t>(next - expected));
  for (std::size_t i = 0; i < fifo.size(); ++i) EXPECT_EQ(fifo[i], expected + static_cast<int>(i));
  while (!fifo.empty()) ASSERT_EQ(fifo.pop(), expected++);
  EXPECT_EQ(expected, next);
}

TEST(FifoTest, PopReleasesTheElementAtOnce) {
  Fifo<std::shared_ptr<std::string>> fifo;
  auto first = std::make_shared<std::string>("first");
  fifo.push(first);
  fifo.push(std::make_shared<std::string>("second"));
  EXPECT_EQ(first.use_count(), 2);
  EXPECT_EQ(*fifo.pop(), "first");
  EXPECT_EQ(first.use_count(), 1);  // the queue's slot no longer holds it
  EXPECT_EQ(*fifo.front(), "second");
}

TEST(FifoTest, EmptyingResetsSoTheQueueCanBeReused) {
  Fifo<std::string> fifo;
  for (int i = 0; i < 100; ++i) fifo.push(std::to_string(i));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(fifo.pop(), std::to_string(i));
  EXPECT_TRUE(fifo.empty());
  fifo.push("again");
  EXPECT_EQ(fifo.size(), 1u);
  EXPECT_EQ(fifo.front(), "again");
  fifo.clear();
  EXPECT_TRUE(fifo.empty());
  EXPECT_EQ(fifo.size(), 0u);
}

}  // namespace
}  // namespace spread::core
