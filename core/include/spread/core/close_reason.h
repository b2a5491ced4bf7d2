#pragma once

#include <string_view>

namespace spread::core {

/// Why a subscription ended. Every subscriber is told exactly one of these, exactly once.
/// Transports map them to their own vocabulary (for WebSocket, see
/// spread/transport/close_code.h).
enum class CloseReason {
  kUnsubscribed,   // its handle's unsubscribe() was called
  kSlowConsumer,   // its queue was full when a message arrived: it could not keep up
  kGoingAway,      // its topic closed, or the broker shut down, after delivering what was accepted
  kHandlerFailed,  // its handler threw; the exception was caught and the subscriber removed
  kAbandoned,      // the executor refused the work (it had stopped): messages accepted for
                   // this subscriber but not yet delivered or handled are lost
};

std::string_view toString(CloseReason reason);

}  // namespace spread::core
