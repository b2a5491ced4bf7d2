#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "spread/core/message.h"
#include "spread/core/time.h"
#include "spread/transport/close_code.h"

namespace spread::transport {

/// The I/O side of one client, as a Session drives it. Each plugin implements it: the
/// WebSocket plugin over a non-blocking socket, the simulated one over an in-memory pipe.
/// A Session calls these from executor threads; implementations must be thread-safe and
/// must never block: they queue and return.
class Connection {
 public:
  virtual ~Connection() = default;

  /// Queues each message's bytes as one text message. The bytes are shared, not copied,
  /// until they are written.
  virtual void send(std::span<const core::MessagePtr> messages) = 0;

  /// Queues one text message the transport made itself (an error report).
  virtual void sendText(std::string text) = 0;

  virtual void ping() = 0;

  /// Starts the closing handshake with `code` and `reason`; anything queued before it is
  /// still sent first. Idempotent: only the first call counts.
  virtual void close(CloseCode code, std::string_view reason) = 0;

  /// What the connection holds for the client and has not yet handed to the peer's side
  /// (socket or simulated window): queued bytes, and the cost of holding them if the
  /// transport counts it. Sessions stop handing over messages while this exceeds their send
  /// window, and end with 1008 rather than queue an error reply beyond it.
  virtual std::size_t bytesQueued() const = 0;

  /// Stop reading the client's frames (`held`), or read again. A session holds reading
  /// while its client's publishes queue up behind a busy topic, so that a client sending
  /// faster than the topic admits is slowed by TCP instead of refused. A held connection
  /// may still deliver what it had read before the hold took effect.
  virtual void holdReading(bool held) = 0;

  /// A publish rate the transport keeps for this client beyond the session's own (the
  /// client address's, say): nullopt lets one publish through, otherwise how long until one
  /// would be. Called on executor threads. A transport without such a rate keeps the default.
  virtual std::optional<core::Duration> admitPublish() { return std::nullopt; }
};

}  // namespace spread::transport
