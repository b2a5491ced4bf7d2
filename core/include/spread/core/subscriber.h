#pragma once

#include <cstddef>
#include <functional>
#include <span>

#include "spread/core/close_reason.h"
#include "spread/core/message.h"

namespace spread::core {

/// What a subscriber tells the topic about one delivery.
enum class Delivery {
  kAccepted,  // taken (queued or handled)
  kFull,      // no room: the topic drops this subscriber with CloseReason::kSlowConsumer
  kFailed,    // its handler failed: the topic drops it with CloseReason::kHandlerFailed
};

/// What a subscriber tells the topic about a run of deliveries (Subscriber::deliverAll).
struct BatchDelivery {
  std::size_t accepted = 0;               // messages taken, from the first on
  Delivery outcome = Delivery::kAccepted;  // kAccepted if it took them all; else what stopped it
};

/// The sink a topic pushes messages into. The broker never knows what is behind it: a
/// bounded queue read by a WebSocket session, a handler, or a mock in a test.
///
/// Contract the topic keeps:
///  - deliver() and deliverAll() are called in publish order, never concurrently for one
///    subscriber, and never after close() began;
///  - close() is called exactly once, when the subscription ends for any reason, and
///    whenFinished() right after it, on the same thread.
/// Both may be called from any executor thread, so an implementation must not block.
class Subscriber {
 public:
  virtual ~Subscriber() = default;

  virtual Delivery deliver(const MessagePtr& message) = 0;

  /// Delivers the first of `messages`, in order, as deliver() would one at a time: as many as
  /// it takes at once, at least one unless it refuses the first. Returns how many it took,
  /// and kAccepted, or the answer for the message after them. The topic offers the rest in
  /// another call, unless the subscription ended meanwhile (a handler may end its own).
  /// A topic with several messages ready hands them over this way so that a subscriber can
  /// take them together: a queue wakes its reader once for the lot rather than once a
  /// message. The default takes one, through deliver().
  virtual BatchDelivery deliverAll(std::span<const MessagePtr> messages);

  virtual void close(CloseReason reason) = 0;

  /// Calls `finished` exactly once, when this subscriber will run nothing more on behalf of
  /// its topic: no handler call, no close handler. A topic's close completes only after
  /// every subscriber it closed has finished. The default calls it at once, which is right
  /// for a subscriber whose close() leaves nothing behind; one with work still queued (an
  /// AsyncHandlerSubscriber's backlog) calls it when that work is done.
  virtual void whenFinished(std::function<void()> finished) { finished(); }
};

}  // namespace spread::core
