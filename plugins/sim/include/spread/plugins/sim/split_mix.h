#pragma once

#include <cstdint>

namespace spread::plugins::sim {

/// SplitMix64: a tiny, fully specified generator. The simulator takes every random number
/// from its raw output (never from std:: distributions, whose results differ between
/// standard libraries), so one seed gives one run on any platform.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  /// A number in [0, bound); 0 when bound is 0. The modulo bias is far below what a
  /// simulation could notice, and it is the same everywhere.
  std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : next() % bound; }
  /// A number in [low, high].
  std::uint64_t between(std::uint64_t low, std::uint64_t high) { return low + below(high - low + 1); }
  /// True with probability percent/100.
  bool chance(unsigned percent) { return below(100) < percent; }

 private:
  std::uint64_t state_;
};

}  // namespace spread::plugins::sim
