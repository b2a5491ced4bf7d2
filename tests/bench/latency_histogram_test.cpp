// Proves the latency percentiles spread-bench reports: exact (nearest rank) for small
// values, within the documented 1.6% above them, and max/min exact, against samples whose
// true percentiles are known by construction.
#include <gtest/gtest.h>

#include <cstdint>

#include "latency_histogram.h"

namespace spread::bench {
namespace {

TEST(LatencyHistogramTest, EmptyReportsZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.percentile(0.5), 0u);
  EXPECT_EQ(histogram.max(), 0u);
}

TEST(LatencyHistogramTest, SmallValuesAreExactNearestRank) {
  LatencyHistogram histogram;
  for (std::uint64_t v = 100; v >= 1; --v) histogram.record(v);  // order must not matter
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_EQ(histogram.percentile(0.5), 50u);
  EXPECT_EQ(histogram.percentile(0.99), 99u);
  EXPECT_EQ(histogram.percentile(0.999), 100u);
  EXPECT_EQ(histogram.percentile(1.0), 100u);
  EXPECT_EQ(histogram.percentile(0.001), 1u);
  EXPECT_EQ(histogram.min(), 1u);
  EXPECT_EQ(histogram.max(), 100u);
}

TEST(LatencyHistogramTest, LargeValuesWithinOnePointSixPercent) {
  LatencyHistogram histogram;
  for (std::uint64_t v = 1; v <= 1'000'000; ++v) histogram.record(v);
  auto near = [](std::uint64_t got, double want) {
    return static_cast<double>(got) >= want * 0.984 && static_cast<double>(got) <= want * 1.016;
  };
  EXPECT_PRED2(near, histogram.percentile(0.5), 500'000.0);
  EXPECT_PRED2(near, histogram.percentile(0.99), 990'000.0);
  EXPECT_PRED2(near, histogram.percentile(0.999), 999'000.0);
  EXPECT_EQ(histogram.max(), 1'000'000u);
}

TEST(LatencyHistogramTest, OneOutlierShowsOnlyInTheTail) {
  LatencyHistogram histogram;
  for (int i = 0; i < 999; ++i) histogram.record(10);
  histogram.record(50'000);
  EXPECT_EQ(histogram.percentile(0.5), 10u);
  EXPECT_EQ(histogram.percentile(0.99), 10u);
  EXPECT_EQ(histogram.percentile(0.999), 10u);  // rank 999 of 1000
  EXPECT_EQ(histogram.percentile(1.0), 50'000u); // clamped to the exact max
  EXPECT_EQ(histogram.max(), 50'000u);
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGaps) {
  for (std::size_t bucket = 0; bucket + 1 < 2000; ++bucket) {
    ASSERT_EQ(LatencyHistogram::bucketHigh(bucket) + 1, LatencyHistogram::bucketLow(bucket + 1)) << bucket;
    ASSERT_EQ(LatencyHistogram::bucketOf(LatencyHistogram::bucketLow(bucket)), bucket);
    ASSERT_EQ(LatencyHistogram::bucketOf(LatencyHistogram::bucketHigh(bucket)), bucket);
  }
  EXPECT_LT(LatencyHistogram::bucketOf(UINT64_MAX), 128u + 57u * 64u);
}

TEST(LatencyHistogramTest, MergeAddsCounts) {
  LatencyHistogram a;
  LatencyHistogram b;
  for (std::uint64_t v = 1; v <= 50; ++v) a.record(v);
  for (std::uint64_t v = 51; v <= 100; ++v) b.record(v);
  a.merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.percentile(0.5), 50u);
  EXPECT_EQ(a.max(), 100u);
}

}  // namespace
}  // namespace spread::bench
