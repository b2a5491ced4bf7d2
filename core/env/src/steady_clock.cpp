#include "spread/core/steady_clock.h"

#include <chrono>

namespace spread::core {

TimePoint SteadyClock::now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

}  // namespace spread::core
