#pragma once

#include "spread/core/time.h"

namespace spread::core {

/// The only source of "now" for the core. Production uses SteadyClock; tests and the
/// simulator use ManualClock, so every timing decision is reproducible.
class Clock {
 public:
  virtual ~Clock() = default;

  /// Monotonic: never returns an instant earlier than a previous call did.
  /// Thread-safe.
  virtual TimePoint now() const = 0;
};

}  // namespace spread::core
