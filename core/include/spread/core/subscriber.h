#pragma once

#include <functional>

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
///  - close() is called exactly once, when the subscription ends for any reason, and
///    whenFinished() right after it, on the same thread.
/// Both may be called from any executor thread, so an implementation must not block.
class Subscriber {
 public:
  virtual ~Subscriber() = default;

  virtual Delivery deliver(const MessagePtr& message) = 0;
  virtual void close(CloseReason reason) = 0;

  /// Calls `finished` exactly once, when this subscriber will run nothing more on behalf of
  /// its topic: no handler call, no close handler. A topic's close completes only after
  /// every subscriber it closed has finished. The default calls it at once, which is right
  /// for a subscriber whose close() leaves nothing behind; one with work still queued (an
  /// AsyncHandlerSubscriber's backlog) calls it when that work is done.
  virtual void whenFinished(std::function<void()> finished) { finished(); }
};

}  // namespace spread::core
