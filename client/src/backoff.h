#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace spread::client {

/// The delays between reconnects: exponential, capped, with jitter, so that clients dropped
/// together by a server restart do not all come back in the same instant.
/// The n-th delay in a row is uniform in [ceiling / 2, ceiling], ceiling = min(max, initial * 2^(n-1)).
/// Not thread-safe.
class Backoff {
 public:
  /// REQUIRES: 0 < initial <= max. A seed of 0 takes one from std::random_device.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed);

  std::chrono::milliseconds next();
  /// The next delay is a first one again (after a connection opened).
  void reset() { ceiling_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 random_;
};

}  // namespace spread::client
