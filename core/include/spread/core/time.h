#pragma once

#include <chrono>

namespace spread::core {

/// Durations and instants used throughout Spread. TimePoint borrows the steady clock's
/// epoch type so real and virtual time share one representation, but nothing in the core
/// reads that clock: every instant comes from an injected Clock.
using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

}  // namespace spread::core
