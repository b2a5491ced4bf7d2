#pragma once

#include <string>
#include <string_view>

#include "spread/core/message.h"
#include "spread/core/publisher.h"
#include "spread/core/time.h"

namespace spread::core {

struct EngineHealth {
  bool available = true;
  std::string problem;  // why not, when not available ("redis 127.0.0.1:6379: connection refused")
};

/// How a published message reaches the subscribers of its topic on every node, and where
/// its position comes from. The broker fans out locally; the engine decides what reaches
/// the broker. InProcessEngine is the one-node engine; ClusterEngine shares topics between
/// nodes through a Backplane. Thread-safe.
class Engine {
 public:
  virtual ~Engine() = default;

  /// Publishes `payload` to topic `name` on every node, this one included. `done` runs
  /// exactly once, inline or on another thread:
  ///  - kAccepted once the message has its position: every subscriber that keeps up, on
  ///    every node, will get it;
  ///  - kBusy or kTimedOut when this node's topic has no room within `waitMax`;
  ///  - kTopicClosed when the topic is closing;
  ///  - kUnavailable when the other nodes cannot be reached: nothing was published.
  /// A topic nobody subscribes to on any node accepts the message; InProcessEngine keeps
  /// nothing of it, ClusterEngine keeps it in the backplane's log.
  virtual void publish(std::string_view name, Payload payload, Duration waitMax, PublishCallback done) = 0;

  /// Whether publishing can work now.
  virtual EngineHealth health() const = 0;
};

}  // namespace spread::core
