#include "delivery_pace.h"

#include <algorithm>

namespace spread::core {

void DeliveryPace::finishMeasurement(TimePoint now) {
  if (!measuring_) return;
  measuring_ = false;
  const Duration sample = std::max(Duration::zero(), now - takenAt_);
  if (!measured_) {
    perMessage_ = sample;  // averaging the first one with zero would hide it for a while
    measured_ = true;
    return;
  }
  perMessage_ += (sample - perMessage_) / kSmoothing;
}

void DeliveryPace::onTake(TimePoint now) {
  finishMeasurement(now);
  measuring_ = true;
  takenAt_ = now;
}

void DeliveryPace::onEmpty(TimePoint now) { finishMeasurement(now); }

Duration DeliveryPace::expectedDelay(std::size_t queued, TimePoint oldestSince, TimePoint now) const {
  if (queued == 0) return perMessage_;
  // The pace says how long the queue will take; the age of its first message says how long
  // the drain has already kept it waiting, which the pace misses while the drain is not
  // running at all (its task waits behind others on the executor).
  // Behind the queue, and behind the message the drain is fanning out now, if any.
  const std::size_t ahead = queued + (measuring_ ? 1 : 0);
  const Duration byPace = perMessage_ * static_cast<Duration::rep>(ahead + 1);
  const Duration byAge = now - oldestSince + perMessage_;
  return std::max(byPace, byAge);
}

bool DeliveryPace::admits(std::size_t queued, TimePoint oldestSince, TimePoint now) const {
  if (target_ <= Duration::zero() || queued == 0) return true;
  if (!measured_) return false;
  return expectedDelay(queued, oldestSince, now) <= target_;
}

}  // namespace spread::core
