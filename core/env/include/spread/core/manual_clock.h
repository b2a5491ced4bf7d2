#pragma once

#include <atomic>

#include "spread/core/clock.h"

namespace spread::core {

/// Virtual time for tests and the simulator. Starts at the epoch and moves only when told.
class ManualClock final : public Clock {
 public:
  ManualClock() = default;
  explicit ManualClock(TimePoint start) : now_(start) {}

  TimePoint now() const override { return now_.load(std::memory_order_acquire); }

  /// REQUIRES: `to` is not earlier than now(); time never runs backwards.
  void advanceTo(TimePoint to);
  void advanceBy(Duration by) { advanceTo(now() + by); }

 private:
  std::atomic<TimePoint> now_{TimePoint{}};
};

}  // namespace spread::core
