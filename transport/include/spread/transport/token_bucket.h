#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

#include "spread/core/time.h"

namespace spread::transport {

/// A configured rate: up to `burst` events at once, refilled at `perSecond` events a second.
/// A rate of 0 a second means no limit.
struct Rate {
  double perSecond = 0;
  double burst = 1;

  bool limited() const { return perSecond > 0; }
};

/// One client's standing against a Rate. The rate is passed in rather than kept, so that the
/// many clients under one configured rate cost 16 bytes each. Not thread-safe: its owner
/// serialises calls. Time comes from the caller, so the simulator and tests drive it with
/// virtual time.
class TokenBucket {
 public:
  TokenBucket() = default;
  /// Full at `now`.
  TokenBucket(const Rate& rate, core::TimePoint now) : tokens_(std::max(rate.burst, 1.0)), updated_(now) {}

  /// Takes one token: nullopt if there was one, otherwise how long until there is.
  std::optional<core::Duration> take(const Rate& rate, core::TimePoint now) {
    if (!rate.limited()) return std::nullopt;
    refill(rate, now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return std::nullopt;
    }
    const double secondsShort = (1.0 - tokens_) / rate.perSecond;
    return std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(secondsShort));
  }

  /// True once the bucket has refilled completely by `now` (forgetting it loses nothing).
  bool full(const Rate& rate, core::TimePoint now) {
    if (!rate.limited()) return true;
    refill(rate, now);
    return tokens_ >= std::max(rate.burst, 1.0);
  }

 private:
  void refill(const Rate& rate, core::TimePoint now) {
    if (now <= updated_) return;
    const double elapsed = std::chrono::duration<double>(now - updated_).count();
    tokens_ = std::min(std::max(rate.burst, 1.0), tokens_ + elapsed * rate.perSecond);
    updated_ = now;
  }

  double tokens_ = 1;
  core::TimePoint updated_{};
};

}  // namespace spread::transport
