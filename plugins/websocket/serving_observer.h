#pragma once

#include <string_view>

#include "spread/core/message.h"
#include "spread/transport/close_code.h"
#include "spread/transport/transport.h"

namespace spread::plugins::websocket {

/// What a harness sees of each WebSocket the stack serves, and the one thing it may
/// choose: the context a connection's Session is built on. The simulator plays its
/// scripted clients through the real stack with it, and checks from here what each
/// session handed its connection. Production sets none (ServingContext::observer is
/// null), so each hook costs one branch on a null pointer.
///
/// Connections are named by their Network handle. Every call happens where the stack
/// makes it (a loop's thread, or the executor with the session's lock held): an observer
/// only records, never calls back into the stack or a session.
class ServingObserver {
 public:
  virtual ~ServingObserver() = default;

  /// The context the Session of the WebSocket on `handle` is built on; `shared` unless the
  /// harness gives this connection its own (a queue size of its own, say). What it returns
  /// must outlive the session.
  virtual transport::TransportContext& sessionContext(int handle, transport::TransportContext& shared) {
    (void)handle;
    return shared;
  }
  /// The upgrade was accepted and the session is about to subscribe.
  virtual void onSessionStarting(int handle) = 0;
  /// Session::start() returned (it may already have closed the connection).
  virtual void onSessionStarted(int handle) = 0;
  /// The session handed `message` to the connection, in the order it will be framed.
  virtual void onSent(int handle, const core::MessagePtr& message) = 0;
  /// The session handed the connection a text frame of its own (an error report).
  virtual void onTextSent(int handle, std::string_view text) = 0;
  /// Connection::close() was called; reported for every call, even repeated ones.
  virtual void onCloseRequested(int handle, transport::CloseCode code, std::string_view reason) = 0;
};

}  // namespace spread::plugins::websocket
