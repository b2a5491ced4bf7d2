#include "strand.h"

#include <utility>
#include <vector>

namespace spread::plugins::websocket {

namespace {
// Events run per executor task: bounds how long one busy client holds an executor thread.
constexpr std::size_t kEventsPerTaskMax = 64;
}  // namespace

void Strand::post(Event event) {
  {
    std::lock_guard lock(mutex_);
    events_.push(std::move(event));
    if (scheduled_) return;
    scheduled_ = true;
  }
  schedule();
}

void Strand::schedule() {
  if (executor_.post([self = shared_from_this(), token = inFlight_.hold()] { self->drain(); })) return;
  // The executor has stopped, which it does only after the transport stopped: nothing will
  // run these events. Drop them (releasing the sessions they hold) rather than keep them
  // queued forever; the executor counts the refusal.
  core::Fifo<Event> dropped;
  {
    std::lock_guard lock(mutex_);
    std::swap(dropped, events_);
    scheduled_ = false;
  }
}

void Strand::drain() {
  std::vector<Event> batch;
  {
    std::lock_guard lock(mutex_);
    while (!events_.empty() && batch.size() < kEventsPerTaskMax) {
      batch.push_back(events_.pop());
    }
  }
  for (Event& event : batch) {
    try {
      event();
    } catch (...) {
      // Sessions report failures as results; an escape here is a bug, but must not kill
      // the executor thread or leave the strand stuck.
    }
  }
  // Release what the events captured (sessions) before this task's token is dropped.
  batch.clear();
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    more = !events_.empty();
    scheduled_ = more;
  }
  if (more) schedule();
}

}  // namespace spread::plugins::websocket
