#include "spread/core/manual_executor.h"

namespace spread::core {

bool ManualExecutor::post(Task task) { return schedule(clock_.now(), std::move(task)) != TimerId::kNone; }

TimerId ManualExecutor::postAfter(Duration delay, Task task) {
  return schedule(clock_.now() + (delay < Duration::zero() ? Duration::zero() : delay),
                  std::move(task));
}

TimerId ManualExecutor::schedule(TimePoint due, Task task) {
  std::lock_guard lock(mutex_);
  if (refusing_) {
    ++refusedTasks_;
    return TimerId::kNone;
  }
  const std::uint64_t sequence = nextSequence_++;
  const Key key{due, sequence};
  tasks_.emplace(key, std::move(task));
  keysById_.emplace(sequence, key);
  return TimerId{sequence};
}

bool ManualExecutor::cancel(TimerId id) {
  std::lock_guard lock(mutex_);
  auto found = keysById_.find(static_cast<std::uint64_t>(id));
  if (found == keysById_.end()) return false;
  tasks_.erase(found->second);
  keysById_.erase(found);
  return true;
}

std::uint64_t ManualExecutor::refusedTasks() const {
  std::lock_guard lock(mutex_);
  return refusedTasks_;
}

void ManualExecutor::refuseNewTasks() {
  std::lock_guard lock(mutex_);
  refusing_ = true;
}

std::optional<std::pair<ManualExecutor::Key, Task>> ManualExecutor::popDue(TimePoint limit) {
  std::lock_guard lock(mutex_);
  if (tasks_.empty() || tasks_.begin()->first.first > limit) return std::nullopt;
  auto node = tasks_.extract(tasks_.begin());
  keysById_.erase(node.key().second);
  return std::make_pair(node.key(), std::move(node.mapped()));
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
    if (due->first.first > clock_.now()) clock_.advanceTo(due->first.first);
    runTask(due->second);
    ++ran;
  }
  if (until > clock_.now()) clock_.advanceTo(until);
  return ran;
}

bool ManualExecutor::runNext() {
  auto due = popDue(TimePoint::max());
  if (!due) return false;
  if (due->first.first > clock_.now()) clock_.advanceTo(due->first.first);
  runTask(due->second);
  return true;
}

std::optional<TimePoint> ManualExecutor::nextDue() const {
  std::lock_guard lock(mutex_);
  if (tasks_.empty()) return std::nullopt;
  return tasks_.begin()->first.first;
}

std::size_t ManualExecutor::pending() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

}  // namespace spread::core
