#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace spread::core {

/// A first-in first-out queue that costs nothing while empty: no storage is allocated
/// until the first push, and storage grown past kCapacityKept is released as soon as the
/// queue empties again. std::deque allocates a block (over 500 bytes) on construction,
/// which a server holding several queues per idle connection pays thousands of times.
///
/// Elements live in a vector from `head_` on; pop() moves the front element out, so what
/// it held (a shared message, a task's captures) is released at once. The popped prefix
/// is reclaimed when the queue empties or when a push would otherwise grow the vector.
/// Not thread-safe: the owner locks.
template <class T>
class Fifo {
 public:
  /// Capacity a queue keeps across emptying, so a steady trickle does not allocate.
  static constexpr std::size_t kCapacityKept = 16;

  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }

  /// REQUIRES: !empty() (and i < size()).
  T& front() { return items_[head_]; }
  const T& front() const { return items_[head_]; }
  T& operator[](std::size_t i) { return items_[head_ + i]; }
  const T& operator[](std::size_t i) const { return items_[head_ + i]; }

  void push(T value) {
    if (head_ > 0 && items_.size() == items_.capacity()) compact();
    items_.push_back(std::move(value));
  }

  /// Removes and returns the front element. REQUIRES: !empty().
  T pop() {
    T value = std::move(items_[head_]);
    ++head_;
    if (head_ == items_.size()) clear();
    return value;
  }

  void clear() {
    head_ = 0;
    if (items_.capacity() > kCapacityKept) {
      std::vector<T>().swap(items_);
    } else {
      items_.clear();
    }
  }

 private:
  void compact() {
    items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }

  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace spread::core
