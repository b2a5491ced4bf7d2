#include "spread/core/manual_clock.h"

#include <cassert>

namespace spread::core {

void ManualClock::advanceTo(TimePoint to) {
  assert(to >= now() && "virtual time never runs backwards");
  now_.store(to, std::memory_order_release);
}

}  // namespace spread::core
