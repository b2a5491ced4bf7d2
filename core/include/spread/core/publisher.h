#pragma once

#include <functional>
#include <string_view>

#include "spread/core/message.h"
#include "spread/core/time.h"

namespace spread::core {

enum class PublishOutcome {
  kAccepted,     // queued for fan-out; it will reach every subscriber that keeps up
  kBusy,         // no room (tryPublish only): the topic's inbound queue is full, or a message
                 // accepted now would wait past the topic's delivery-delay target
  kTimedOut,     // still no room when the publisher's deadline passed
  kTopicClosed,  // the topic is closing or closed; nothing was queued
  kUnavailable,  // the engine cannot reach the other nodes (Engine::publish only); nothing was queued
};

std::string_view toString(PublishOutcome outcome);

using PublishCallback = std::function<void(PublishOutcome)>;

/// The publishing side of a topic. Messages from one publisher reach each subscriber in
/// the order this interface accepted them.
class Publisher {
 public:
  virtual ~Publisher() = default;

  /// Queues `payload` if there is room, now. Never blocks. Thread-safe.
  [[nodiscard]] virtual PublishOutcome tryPublish(Payload payload) = 0;

  /// Queues `payload`, waiting up to `waitMax` for room. Waiting publishers are admitted
  /// in arrival order, ahead of later tryPublish() calls. `done` runs exactly once, with
  /// the outcome: inline when it is known at once, otherwise on the topic's executor.
  /// Never blocks the caller. Thread-safe.
  virtual void publish(Payload payload, Duration waitMax, PublishCallback done) = 0;
};

}  // namespace spread::core
