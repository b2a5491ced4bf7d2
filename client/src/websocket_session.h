#pragma once

#include <optional>
#include <string>

#include "spread/client/subscription.h"

namespace spread::client {

/// What one WebSocket session needs from the thread running it. Called on that thread only.
class SessionHost {
 public:
  virtual ~SessionHost() = default;
  /// True once close() was called: the session says goodbye and ends.
  virtual bool stopRequested() = 0;
  /// A token set since the session began, to send on the open connection; each one once.
  virtual std::optional<std::string> takeTokenToSend() = 0;
  virtual void emit(const SubscriptionEvent& event) noexcept = 0;
  virtual void deliver(const Message& message) noexcept = 0;
};

/// How a session ended.
struct SessionEnd {
  enum class Kind {
    kDropped,       // connect failed or the connection ended: worth a retry
    kRefused,       // the upgrade was refused with a status the same request would get again
    kTokenExpired,  // closed 1008 "token expired"
    kStopped,       // stopRequested() was seen
  };
  Kind kind = Kind::kDropped;
  bool wasConnected = false;  // the upgrade succeeded, whatever came after
  int httpStatus = 0;         // kRefused
  std::string reason;         // kRefused: the status's reason phrase
};

/// Connects to /subscribe with `token` (empty: none), reports kConnected, then reads frames,
/// answers pings and hands messages to `host` until the connection ends or stop is requested.
/// Reports kConnectFailed, kDisconnected, kServerError and kTokenAccepted events on the way;
/// the caller reports retries and stops. Never throws for a network failure. Each wait is
/// bounded by one of the options' timeouts.
SessionEnd runWebSocketSession(const SubscriptionOptions& options, const std::string& token, SessionHost& host);

}  // namespace spread::client
