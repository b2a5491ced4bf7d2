#include "delivery_pace.h"

#include <algorithm>

namespace spread::core {

void DeliveryPace::finishMeasurement(TimePoint now) {
  if (inFlight_ == 0) return;
  const Duration sample = std::max(Duration::zero(), now - takenAt_) / static_cast<Duration::rep>(inFlight_);
  inFlight_ = 0;
  if (!measured_) {
    perMessage_ = sample;  // averaging the first one with zero would hide it for a while
    measured_ = true;
    return;
  }
  perMessage_ += (sample - perMessage_) / kSmoothing;
}

void DeliveryPace::onTake(TimePoint now, std::size_t count) {
  finishMeasurement(now);
  inFlight_ = count;
  takenAt_ = now;
}

void DeliveryPace::onEmpty(TimePoint now) { finishMeasurement(now); }

Duration DeliveryPace::expectedDelay(std::size_t queued, TimePoint oldestSince, TimePoint now) const {
  // The pace says how long what is ahead will take: the queue, and what the drain is fanning
  // out now. The age of the queue's first message says how long the drain has already kept
  // it waiting, which the pace misses while the drain is not running at all (its task waits
  // behind others on the executor).
  const std::size_t ahead = queued + inFlight_;
  const Duration byPace = perMessage_ * static_cast<Duration::rep>(ahead + 1);
  if (queued == 0) return byPace;
  const Duration byAge = now - oldestSince + perMessage_;
  return std::max(byPace, byAge);
}

bool DeliveryPace::admits(std::size_t queued, TimePoint oldestSince, TimePoint now) const {
  if (target_ <= Duration::zero() || (queued == 0 && inFlight_ == 0)) return true;
  if (!measured_) return false;
  return expectedDelay(queued, oldestSince, now) <= target_;
}

}  // namespace spread::core
