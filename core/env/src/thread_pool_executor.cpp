#include "spread/core/thread_pool_executor.h"

#include <cassert>
#include <chrono>

namespace spread::core {

ThreadPoolExecutor::ThreadPoolExecutor(std::size_t threads) {
  assert(threads >= 1);
  workersRunning_ = threads;
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { workerLoop(); });
}

ThreadPoolExecutor::~ThreadPoolExecutor() { shutdown(); }

TimePoint ThreadPoolExecutor::steadyNow() {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

bool ThreadPoolExecutor::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    // While shutdown() runs, a worker that is still there will run the task (the one
    // posting it, if it is a worker itself); once the last has left, nobody would.
    if (stopping_ && workersRunning_ == 0) {
      refusedTasks_.fetch_add(1);
      return false;  // `task` is destroyed here, outside the lock
    }
    ready_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

TimerId ThreadPoolExecutor::postAfter(Duration delay, Task task) {
  std::uint64_t sequence;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refusedTasks_.fetch_add(1);
      return TimerId::kNone;
    }
    sequence = nextSequence_++;
    const Key key{steadyNow() + delay, sequence};
    timers_.emplace(key, std::move(task));
    timerKeys_.emplace(sequence, key);
  }
  // Every worker may be waiting for a later timer; the new one may be the earliest.
  wake_.notify_all();
  return TimerId{sequence};
}

bool ThreadPoolExecutor::cancel(TimerId id) {
  std::lock_guard lock(mutex_);
  auto found = timerKeys_.find(static_cast<std::uint64_t>(id));
  if (found == timerKeys_.end()) return false;
  timers_.erase(found->second);
  timerKeys_.erase(found);
  return true;
}

void ThreadPoolExecutor::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    cancelledTimers_.fetch_add(timers_.size());
    timers_.clear();
    timerKeys_.clear();
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void ThreadPoolExecutor::workerLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!timers_.empty() && timers_.begin()->first.first <= steadyNow()) {
      auto node = timers_.extract(timers_.begin());
      timerKeys_.erase(node.key().second);
      ready_.push_back(std::move(node.mapped()));
    }
    if (!ready_.empty()) {
      Task task = std::move(ready_.front());
      ready_.pop_front();
      lock.unlock();
      try {
        task();
      } catch (...) {
        escapedExceptions_.fetch_add(1);
      }
      task = nullptr;  // release captures before taking the lock again
      lock.lock();
      continue;
    }
    if (stopping_) {
      --workersRunning_;
      return;
    }
    if (timers_.empty()) {
      wake_.wait(lock);
    } else {
      wake_.wait_until(lock, std::chrono::steady_clock::time_point(timers_.begin()->first.first));
    }
  }
}

}  // namespace spread::core
