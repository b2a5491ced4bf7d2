#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace spread::bench {

std::size_t LatencyHistogram::bucketOf(std::uint64_t value) {
  if (value < kExactMax) return static_cast<std::size_t>(value);
  // For value in [2^k, 2^(k+1)), k >= 7, keep the top seven bits: 64 steps per octave.
  const int k = 63 - std::countl_zero(value);
  const std::uint64_t top = value >> (k - 6);  // in [64, 128)
  return kExactMax + static_cast<std::size_t>(k - 7) * kSubBuckets + static_cast<std::size_t>(top - 64);
}

std::uint64_t LatencyHistogram::bucketLow(std::size_t bucket) {
  if (bucket < kExactMax) return bucket;
  const std::size_t k = (bucket - kExactMax) / kSubBuckets + 7;
  const std::uint64_t top = (bucket - kExactMax) % kSubBuckets + 64;
  return top << (k - 6);
}

std::uint64_t LatencyHistogram::bucketHigh(std::size_t bucket) {
  if (bucket < kExactMax) return bucket;
  const std::size_t k = (bucket - kExactMax) / kSubBuckets + 7;
  return bucketLow(bucket) + (std::uint64_t{1} << (k - 6)) - 1;
}

void LatencyHistogram::record(std::uint64_t value) {
  ++counts_[bucketOf(value)];
  ++count_;
  max_ = std::max(max_, value);
  min_ = std::min(min_, value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

std::uint64_t LatencyHistogram::percentile(double quantile) const {
  if (count_ == 0) return 0;
  // Nearest rank: the ceil(q * n)-th smallest sample, 1-based. The epsilon keeps 0.999 * 1000
  // from rounding up to rank 1000 through binary floating point.
  auto rank = static_cast<std::uint64_t>(std::ceil(quantile * static_cast<double>(count_) - 1e-9));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  if (rank == count_) return max_;  // the largest sample is known exactly
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < kBuckets; ++bucket) {
    seen += counts_[bucket];
    if (seen >= rank) {
      const std::uint64_t mid = bucketLow(bucket) + (bucketHigh(bucket) - bucketLow(bucket)) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

}  // namespace spread::bench
