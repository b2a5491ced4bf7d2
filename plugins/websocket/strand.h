#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "in_flight_counter.h"
#include "spread/core/compact_mutex.h"
#include "spread/core/executor.h"
#include "spread/core/fifo.h"

namespace spread::plugins::websocket {

/// Runs one connection's events on the executor one at a time, in the order they were
/// posted. A multi-threaded executor could otherwise run a client's first message before
/// its session started. Posts at most one executor task at a time, and counts it in
/// `inFlight` until it has finished (or was dropped unrun), so the transport can wait for
/// its tasks at shutdown. If the executor refuses the task (it has stopped), the events
/// queued are dropped unrun.
/// Thread-safe; create with std::make_shared (a running task keeps the strand alive).
class Strand : public std::enable_shared_from_this<Strand> {
 public:
  using Event = std::function<void()>;

  Strand(core::Executor& executor, InFlightCounter& inFlight) : executor_(executor), inFlight_(inFlight) {}

  /// Queues `event` to run after every event posted before it. `event` must not throw.
  void post(Event event);

 private:
  // Posts drain(); if the executor refuses, drops the queued events.
  void schedule();
  void drain();

  core::Executor& executor_;
  InFlightCounter& inFlight_;
  core::CompactMutex mutex_;
  core::Fifo<Event> events_;  // allocates nothing while the connection is idle
  bool scheduled_ = false;
};

}  // namespace spread::plugins::websocket
