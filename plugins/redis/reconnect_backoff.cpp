#include "reconnect_backoff.h"

#include <algorithm>
#include <utility>

namespace spread::plugins::redis {

ReconnectBackoff::ReconnectBackoff(std::chrono::milliseconds minimum, std::chrono::milliseconds maximum,
                                   RandomSource random)
    : minimum_(minimum), maximum_(maximum), random_(std::move(random)) {}

std::chrono::milliseconds ReconnectBackoff::next() {
  // Doubling stops once the maximum is reached, so the shift never overflows.
  auto base = minimum_;
  for (int i = 0; i < attempts_ && base < maximum_; ++i) base *= 2;
  base = std::min(base, maximum_);
  ++attempts_;
  double factor = 0.5 + 0.5 * std::clamp(random_(), 0.0, 1.0);
  auto delay = std::chrono::milliseconds(static_cast<long long>(static_cast<double>(base.count()) * factor));
  return std::max(delay, std::chrono::milliseconds(1));
}

}  // namespace spread::plugins::redis
