#pragma once

#include "spread/core/close_reason.h"
#include "spread/core/message.h"

namespace spread::core {

/// What a subscriber tells the topic about one delivery.
enum class Delivery {
  kAccepted,  // taken (queued or handled)
  kFull,      // no room: the topic drops this subscriber with CloseReason::kSlowConsumer
  kFailed,    // its handler failed: the topic drops it with CloseReason::kHandlerFailed
};

/// The sink a topic pushes messages into. The broker never knows what is behind it: a
/// bounded queue read by a WebSocket session, a handler, or a mock in a test.
///
/// Contract the topic keeps:
///  - deliver() is called in publish order, never concurrently for one subscriber, and
///    never after close() began;
///  - close() is called exactly once, when the subscription ends for any reason.
/// Both may be called from any executor thread, so an implementation must not block.
class Subscriber {
 public:
  virtual ~Subscriber() = default;

  virtual Delivery deliver(const MessagePtr& message) = 0;
  virtual void close(CloseReason reason) = 0;
};

}  // namespace spread::core
