#pragma once

#include "spread/core/clock.h"

namespace spread::core {

/// The production clock: std::chrono::steady_clock, which never jumps with wall-clock changes.
class SteadyClock final : public Clock {
 public:
  TimePoint now() const override;
};

}  // namespace spread::core
