#include "spread/transport/close_code.h"

namespace spread::transport {

CloseFrame closeFrameFor(core::CloseReason reason) {
  switch (reason) {
    case core::CloseReason::kSlowConsumer: return {CloseCode::kPolicyViolation, kReasonTooSlow};
    case core::CloseReason::kGoingAway: return {CloseCode::kGoingAway, kReasonShuttingDown};
    case core::CloseReason::kUnsubscribed: return {CloseCode::kNormal, "unsubscribed"};
    case core::CloseReason::kHandlerFailed: return {CloseCode::kInternalError, "subscriber failed"};
    case core::CloseReason::kAbandoned: return {CloseCode::kInternalError, "server stopped before delivering"};
  }
  return {CloseCode::kInternalError, "unknown close reason"};
}

}  // namespace spread::transport
