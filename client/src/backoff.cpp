#include "backoff.h"

#include <algorithm>

namespace spread::client {

namespace {

std::uint64_t seedOrRandom(std::uint64_t seed) {
  if (seed != 0) return seed;
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed)
    : initial_(initial), max_(max), ceiling_(initial), random_(seedOrRandom(seed)) {}

std::chrono::milliseconds Backoff::next() {
  const std::chrono::milliseconds ceiling = ceiling_;
  // Doubling stops at the cap, so the count never overflows however long the retries go on.
  ceiling_ = ceiling_ >= max_ / 2 ? max_ : ceiling_ * 2;
  std::uniform_int_distribution<std::int64_t> spread((ceiling.count() + 1) / 2, ceiling.count());
  return std::chrono::milliseconds(spread(random_));
}

}  // namespace spread::client
