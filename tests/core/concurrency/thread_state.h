#pragma once

// Seeing, from another thread, that a thread is blocked: asleep in the kernel on a lock, a
// condition or I/O, as Linux reports it in /proc/self/task/<tid>/stat. For tests that must
// hold something until another thread has had to wait for it, without guessing a duration.
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "await.h"

namespace spread::core::test {

/// The kernel's id of the calling thread.
inline pid_t currentThreadId() { return ::gettid(); }

/// True if thread `tid` of this process is asleep in the kernel right now (state S or D).
inline bool isBlocked(pid_t tid) {
  std::ifstream file("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string stat;
  std::getline(file, stat);
  // The state follows the command name, which is in parentheses and may contain anything.
  const auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  const char state = stat[close + 2];
  return state == 'S' || state == 'D';
}

/// Polls `condition` until it holds (true) or `timeout` passes (false). Only for conditions
/// no one can signal, such as another thread's scheduling state.
template <class Condition>
[[nodiscard]] bool pollUntil(Condition condition, std::chrono::milliseconds timeout = kAwaitMax) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace spread::core::test
