#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "spread/client/subscription.h"

namespace spread::testing {

/// Collects what a Subscription hands its handlers (on its thread), and lets the test await
/// it with a deadline, woken by each arrival rather than polling.
class EventRecorder {
 public:
  static constexpr std::chrono::seconds kTimeout{15};
  using Kind = client::SubscriptionEvent::Kind;

  client::Subscription::MessageHandler messageHandler() {
    return [this](const client::Message& message) { add(messages_, message); };
  }
  client::Subscription::EventHandler eventHandler() {
    return [this](const client::SubscriptionEvent& event) { add(events_, event); };
  }

  /// The index of the first event of `kind` at or after index `from`, once there is one;
  /// nullopt if none came within `timeout`.
  std::optional<std::size_t> awaitEvent(Kind kind, std::size_t from = 0,
                                        std::chrono::milliseconds timeout = kTimeout) {
    std::optional<std::size_t> found;
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] {
      for (std::size_t i = from; i < events_.size(); ++i) {
        if (events_[i].kind == kind) {
          found = i;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  /// True once at least `count` messages have come, false if not within `timeout`.
  bool awaitMessages(std::size_t count, std::chrono::milliseconds timeout = kTimeout) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }

  std::vector<client::SubscriptionEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<client::Message> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  template <typename T>
  void add(std::vector<T>& list, const T& item) {
    {
      std::lock_guard lock(mutex_);
      list.push_back(item);
    }
    arrived_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<client::Message> messages_;
  std::vector<client::SubscriptionEvent> events_;
};

}  // namespace spread::testing
