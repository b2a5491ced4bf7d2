#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

#include "spread/core/time.h"

namespace spread::transport {

/// A rate limit: up to `burst` events at once, refilled at `perSecond` events a second.
/// A rate of 0 means no limit. Not thread-safe: its owner serialises calls. Time comes
/// from the caller, so the simulator and tests drive it with virtual time.
class TokenBucket {
 public:
  TokenBucket() = default;  // no limit
  TokenBucket(double perSecond, double burst, core::TimePoint now)
      : perSecond_(perSecond), burst_(std::max(burst, 1.0)), tokens_(burst_), updated_(now) {}

  bool limited() const { return perSecond_ > 0; }

  /// Takes one token: nullopt if there was one, otherwise how long until there is.
  std::optional<core::Duration> take(core::TimePoint now) {
    if (!limited()) return std::nullopt;
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return std::nullopt;
    }
    const double secondsShort = (1.0 - tokens_) / perSecond_;
    return std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(secondsShort));
  }

  /// True once the bucket has refilled completely by `now` (forgetting it loses nothing).
  bool full(core::TimePoint now) {
    if (!limited()) return true;
    refill(now);
    return tokens_ >= burst_;
  }

 private:
  void refill(core::TimePoint now) {
    if (now <= updated_) return;
    const double elapsed = std::chrono::duration<double>(now - updated_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * perSecond_);
    updated_ = now;
  }

  double perSecond_ = 0;
  double burst_ = 1;
  double tokens_ = 1;
  core::TimePoint updated_{};
};

}  // namespace spread::transport
