#pragma once

#include <optional>
#include <span>

#include "spread/core/clock.h"

namespace spread::plugins::websocket {

/// A connection owned by a Loop (loop.h): an upgraded WebSocket, a kept-alive HTTP
/// connection, or the listening socket. The loop calls every method on its own thread; it
/// polls for what wantsRead() and wantsWrite() say, calls onDeadline() once deadline() has
/// passed, and once finished() closes the connection through closeSocket(), unless it was
/// handed off.
class LoopConnection {
 public:
  virtual ~LoopConnection() = default;

  /// What the loop's Network knows the connection by (a descriptor, for real sockets).
  virtual int handle() const = 0;
  /// The loop has added the socket to its poll set.
  virtual void onAdopted() = 0;
  /// `scratch` is the loop's read buffer, shared by all its connections.
  virtual void onReadable(std::span<char> scratch) = 0;
  virtual void onWritable() = 0;
  virtual void onDeadline(core::TimePoint now) = 0;
  /// Closes the socket now. REQUIRES: the loop has removed it from its poll set.
  virtual void closeSocket() = 0;
  /// Marks the connection finished without a goodbye (its handling failed unexpectedly).
  virtual void abort() = 0;

  virtual bool wantsRead() const = 0;
  virtual bool wantsWrite() const = 0;
  virtual bool finished() const = 0;
  virtual std::optional<core::TimePoint> deadline() const = 0;

  /// Once finished(): true if another connection carries on with the socket (an HTTP
  /// connection that upgraded to WebSocket, adopted by a WebSocket loop), so the loop
  /// only forgets it instead of closing it.
  virtual bool handedOff() const { return false; }
};

}  // namespace spread::plugins::websocket
