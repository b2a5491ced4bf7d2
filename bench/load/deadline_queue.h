#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <vector>

namespace spread::bench {

/// Timers for thousands of owners without a descriptor each: a min-heap of (time, owner,
/// token). An owner keeps the token of its one live timer and ignores any other that
/// fires, so re-arming never needs to find and remove the old entry. Not thread-safe.
class DeadlineQueue {
 public:
  void schedule(std::int64_t atUs, std::uint32_t owner, std::uint64_t token) {
    heap_.push(Entry{atUs, owner, token});
  }

  std::optional<std::int64_t> nextAtUs() const {
    if (heap_.empty()) return std::nullopt;
    return heap_.top().atUs;
  }

  /// Calls fire(owner, token) for every entry due at `nowUs`, earliest first. Entries that
  /// fire() schedules for `nowUs` or earlier run in the same call.
  template <class Fire>
  void fireDue(std::int64_t nowUs, Fire fire) {
    while (!heap_.empty() && heap_.top().atUs <= nowUs) {
      const Entry entry = heap_.top();
      heap_.pop();
      fire(entry.owner, entry.token);
    }
  }

  std::size_t size() const { return heap_.size(); }

 private:
  struct Entry {
    std::int64_t atUs;
    std::uint32_t owner;
    std::uint64_t token;
    // std::priority_queue is a max-heap: the later entry is the "smaller" one.
    bool operator<(const Entry& other) const { return atUs > other.atUs; }
  };
  std::priority_queue<Entry> heap_;
};

}  // namespace spread::bench
