#pragma once

#include <cstddef>

#include "spread/core/time.h"

namespace spread::core {

/// How long a topic's fan-out takes per message, as measured, and so how long a message
/// accepted now would wait before it has been handed to every subscriber.
///
/// A count bound on the inbound queue says nothing about time: 1,024 queued messages are
/// 5 ms of work for ten subscribers and seconds for ten thousand. The topic admits a message
/// only while the wait it would join is within its target, so a publisher hears "busy"
/// rather than "accepted" for a message that would be delivered late.
///
/// One measurement runs from the drain taking messages to the drain coming back for more
/// (or finding none), divided by how many it took. So it holds their fan-out and, while
/// others wait behind them, whatever kept the drain from the executor meanwhile (other
/// topics, sessions' pumps, the I/O threads on the same cores): what a message behind them
/// waits too. Until the first measurement the pace is unknown, and a message is admitted
/// only when nothing is queued or being fanned out, so a topic's first burst cannot queue
/// seconds of work before anyone has measured it.
///
/// Not thread-safe: the topic calls it under its lock.
class DeliveryPace {
 public:
  /// `target`: the longest expected wait admitted; zero turns the estimate off (admits() is
  /// then always true).
  explicit DeliveryPace(Duration target) : target_(target) {}

  /// The drain took the next `count` messages at `now`: ends the running measurement,
  /// starts one.
  void onTake(TimePoint now, std::size_t count);
  /// The drain found the queue empty at `now`: ends the running measurement.
  void onEmpty(TimePoint now);

  /// The expected time until a message accepted now, behind `queued` others of which the
  /// first was accepted at `oldestSince` (and behind those being fanned out, if any), has
  /// been fanned out.
  Duration expectedDelay(std::size_t queued, TimePoint oldestSince, TimePoint now) const;

  /// Whether a message may join a queue of `queued`: always when nothing is queued or being
  /// fanned out (a message that waits for no other is as early as it can be, and refusing it
  /// would refuse every message of a topic whose single fan-out outlasts the target),
  /// otherwise when the pace is known and the expected delay is within the target.
  bool admits(std::size_t queued, TimePoint oldestSince, TimePoint now) const;

  /// The measured time per message (zero before the first measurement).
  Duration perMessage() const { return perMessage_; }

 private:
  // The weight of a new measurement in the moving average: 1/8, so one pause of the thread
  // (a page fault, a preemption) moves the estimate by an eighth of itself.
  static constexpr int kSmoothing = 8;

  void finishMeasurement(TimePoint now);

  const Duration target_;
  Duration perMessage_{0};
  bool measured_ = false;
  std::size_t inFlight_ = 0;  // taken by the drain and being fanned out: the running measurement
  TimePoint takenAt_{};
};

}  // namespace spread::core
