#include "spread/core/manual_executor.h"

#include <algorithm>

namespace spread::core {

bool ManualExecutor::post(Task task) { return schedule(Duration::zero(), std::move(task)) != TimerId::kNone; }

TimerId ManualExecutor::postAfter(Duration delay, Task task) {
  return schedule(delay < Duration::zero() ? Duration::zero() : delay, std::move(task));
}

namespace {
// A TimerId carries the task's sequence and its slot, so cancel() finds the slot at once
// and tells a live task from a later one reusing the slot.
constexpr int kSlotBits = 32;
TimerId timerIdOf(std::uint64_t sequence, std::uint32_t slot) {
  return TimerId{(sequence << kSlotBits) | slot};
}
}  // namespace

TimerId ManualExecutor::schedule(Duration delay, Task task) {
  std::lock_guard lock(mutex_);
  if (refusing_) {
    ++refusedTasks_;
    return TimerId::kNone;
  }
  const std::uint64_t sequence = nextSequence_++;
  std::uint32_t slot = 0;
  if (freeSlots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = freeSlots_.back();
    freeSlots_.pop_back();
  }
  slots_[slot].sequence = sequence;
  slots_[slot].task = std::move(task);
  const Due entry{clock_.now() + delay, sequence, slot};
  Lane* lane = nullptr;
  for (Lane& candidate : lanes_) {
    if (candidate.delay == delay) lane = &candidate;
  }
  if (lane == nullptr && lanes_.size() < kLanesMax) lane = &lanes_.emplace_back(Lane{delay, {}});
  if (lane != nullptr) {
    lane->queue.push_back(entry);
  } else {
    heap_.push_back(entry);
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  ++entries_;
  ++live_;
  return timerIdOf(sequence, slot);
}

bool ManualExecutor::cancel(TimerId id) {
  const auto raw = static_cast<std::uint64_t>(id);
  const std::uint64_t sequence = raw >> kSlotBits;
  const auto slot = static_cast<std::uint32_t>(raw);
  Task cancelled;  // destroyed after the lock is released: it may hold what cancels more
  {
    std::lock_guard lock(mutex_);
    if (sequence == 0 || slot >= slots_.size() || slots_[slot].sequence != sequence) return false;
    cancelled = std::move(slots_[slot].task);
    slots_[slot].sequence = 0;
    freeSlots_.push_back(slot);
    --live_;
    // Cancelled entries wait until they reach the front; timers re-armed far ahead would
    // not for long, so once they outnumber the live ones they are dropped (amortised: at
    // least as many cancels as entries dropped).
    if (entries_ > 2 * live_ + 64) compact();
  }
  return true;
}

void ManualExecutor::compact() {
  const auto cancelled = [this](const Due& entry) { return !isLive(entry); };
  std::erase_if(heap_, cancelled);
  std::make_heap(heap_.begin(), heap_.end(), Later{});
  entries_ = heap_.size();
  for (Lane& lane : lanes_) {
    std::erase_if(lane.queue, cancelled);
    entries_ += lane.queue.size();
  }
}

std::optional<std::pair<ManualExecutor::Due, ManualExecutor::Lane*>> ManualExecutor::earliest() const {
  while (!heap_.empty() && !isLive(heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
    --entries_;
  }
  std::optional<std::pair<Due, Lane*>> best;
  if (!heap_.empty()) best.emplace(heap_.front(), nullptr);
  for (Lane& lane : lanes_) {
    while (!lane.queue.empty() && !isLive(lane.queue.front())) {
      lane.queue.pop_front();
      --entries_;
    }
    if (!lane.queue.empty() && (!best || Later{}(best->first, lane.queue.front()))) {
      best.emplace(lane.queue.front(), &lane);
    }
  }
  return best;
}

std::uint64_t ManualExecutor::refusedTasks() const {
  std::lock_guard lock(mutex_);
  return refusedTasks_;
}

void ManualExecutor::refuseNewTasks() {
  std::lock_guard lock(mutex_);
  refusing_ = true;
}

std::optional<std::pair<TimePoint, Task>> ManualExecutor::popDue(TimePoint limit) {
  std::lock_guard lock(mutex_);
  const std::optional<std::pair<Due, Lane*>> found = earliest();
  if (!found || found->first.due > limit) return std::nullopt;
  const Due next = found->first;
  if (found->second != nullptr) {
    found->second->queue.pop_front();
  } else {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
  --entries_;
  Slot& slot = slots_[next.slot];
  std::pair<TimePoint, Task> taken{next.due, std::move(slot.task)};
  slot.task = nullptr;
  slot.sequence = 0;
  freeSlots_.push_back(next.slot);
  --live_;
  return taken;
}

void ManualExecutor::runTask(Task& task) {
  try {
    task();
  } catch (...) {
    ++escapedExceptions_;
  }
}

std::size_t ManualExecutor::runUntilIdle(std::size_t tasksMax) {
  std::size_t ran = 0;
  while (ran < tasksMax) {
    auto due = popDue(clock_.now());
    if (!due) break;
    runTask(due->second);
    ++ran;
  }
  return ran;
}

std::size_t ManualExecutor::advanceTo(TimePoint until, std::size_t tasksMax) {
  std::size_t ran = 0;
  while (ran < tasksMax) {
    auto due = popDue(until);
    if (!due) break;
    if (due->first > clock_.now()) clock_.advanceTo(due->first);
    runTask(due->second);
    ++ran;
  }
  if (until > clock_.now()) clock_.advanceTo(until);
  return ran;
}

bool ManualExecutor::runNext() {
  auto due = popDue(TimePoint::max());
  if (!due) return false;
  if (due->first > clock_.now()) clock_.advanceTo(due->first);
  runTask(due->second);
  return true;
}

std::optional<TimePoint> ManualExecutor::nextDue() const {
  std::lock_guard lock(mutex_);
  const std::optional<std::pair<Due, Lane*>> found = earliest();
  if (!found) return std::nullopt;
  return found->first.due;
}

std::size_t ManualExecutor::pending() const {
  std::lock_guard lock(mutex_);
  return live_;
}

}  // namespace spread::core
