// Backoff on its own: each delay lies in [ceiling / 2, ceiling], the ceiling doubles up to the
// cap and stays there, reset() starts over, and a seed makes the jitter reproducible.
#include "backoff.h"

#include <gtest/gtest.h>

namespace spread::client {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, DelaysDoubleWithinTheirJitterUpToTheCap) {
  Backoff backoff(milliseconds(100), milliseconds(1000), 42);
  const milliseconds ceilings[] = {milliseconds(100),  milliseconds(200),  milliseconds(400), milliseconds(800),
                                   milliseconds(1000), milliseconds(1000), milliseconds(1000)};
  for (milliseconds ceiling : ceilings) {
    const milliseconds delay = backoff.next();
    EXPECT_GE(delay, ceiling / 2);
    EXPECT_LE(delay, ceiling);
  }
  for (int i = 0; i < 100; ++i) EXPECT_LE(backoff.next(), milliseconds(1000));
}

TEST(BackoffTest, ResetStartsFromTheFirstDelay) {
  Backoff backoff(milliseconds(10), milliseconds(10000), 1);
  for (int i = 0; i < 20; ++i) (void)backoff.next();
  EXPECT_GE(backoff.next(), milliseconds(5000));
  backoff.reset();
  EXPECT_LE(backoff.next(), milliseconds(10));
}

TEST(BackoffTest, TheSameSeedGivesTheSameDelaysAndTheyVary) {
  Backoff first(milliseconds(1000), milliseconds(1000), 9);
  Backoff second(milliseconds(1000), milliseconds(1000), 9);
  bool varied = false;
  milliseconds previous = first.next();
  EXPECT_EQ(second.next(), previous);
  for (int i = 0; i < 50; ++i) {
    const milliseconds delay = first.next();
    EXPECT_EQ(second.next(), delay);
    varied = varied || delay != previous;
    previous = delay;
  }
  EXPECT_TRUE(varied) << "no jitter: 51 equal delays";
}

TEST(BackoffTest, AHugeCapNeverOverflows) {
  Backoff backoff(milliseconds(1), milliseconds::max() / 4, 3);
  for (int i = 0; i < 200; ++i) EXPECT_GT(backoff.next(), milliseconds(0));
}

}  // namespace
}  // namespace spread::client
