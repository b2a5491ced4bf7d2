#pragma once

#include <cstdint>

namespace spread::bench {

/// A small deterministic random stream (SplitMix64). Unlike the standard distributions,
/// whose algorithms each library chooses, every draw here is plain integer arithmetic, so
/// one seed gives the same choices on every build and machine. Not thread-safe.
class SeededRandom {
 public:
  explicit SeededRandom(std::uint64_t seed) : state_(seed) {}

  /// A stream for `stream` (a client slot, say) derived from one run seed: streams of one
  /// seed are independent of each other and of how far the others have been drawn.
  static SeededRandom forStream(std::uint64_t seed, std::uint64_t stream) {
    SeededRandom mixer(seed ^ (0xA0761D6478BD642Full * (stream + 1)));
    return SeededRandom(mixer.next());
  }

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, bound); 0 when bound is 0. The remainder's bias is below bound / 2^64,
  /// far under anything a run of a few million draws could show.
  std::uint64_t below(std::uint64_t bound) { return bound == 0 ? 0 : next() % bound; }

  /// Uniform in [low, high]; low when high < low.
  std::int64_t between(std::int64_t low, std::int64_t high) {
    if (high <= low) return low;
    return low + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(high - low) + 1));
  }

  /// True with probability numerator / denominator.
  bool chance(std::uint64_t numerator, std::uint64_t denominator) { return below(denominator) < numerator; }

 private:
  std::uint64_t state_;
};

}  // namespace spread::bench
