#include "spread/core/close_reason.h"
#include "spread/core/publisher.h"

namespace spread::core {

std::string_view toString(CloseReason reason) {
  switch (reason) {
    case CloseReason::kUnsubscribed: return "unsubscribed";
    case CloseReason::kSlowConsumer: return "too slow to keep up";
    case CloseReason::kGoingAway: return "going away";
    case CloseReason::kHandlerFailed: return "handler failed";
    case CloseReason::kAbandoned: return "abandoned";
  }
  return "unknown";
}

std::string_view toString(PublishOutcome outcome) {
  switch (outcome) {
    case PublishOutcome::kAccepted: return "accepted";
    case PublishOutcome::kBusy: return "busy";
    case PublishOutcome::kTimedOut: return "timed out";
    case PublishOutcome::kTopicClosed: return "topic closed";
    case PublishOutcome::kUnavailable: return "unavailable";
  }
  return "unknown";
}

}  // namespace spread::core
