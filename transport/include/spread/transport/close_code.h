#pragma once

#include <cstdint>
#include <string_view>

#include "spread/core/close_reason.h"

namespace spread::transport {

/// RFC 6455 close codes Spread sends. Every transport speaks this vocabulary, so the
/// simulator's trace uses the same numbers a browser sees.
enum class CloseCode : std::uint16_t {
  kNormal = 1000,
  kGoingAway = 1001,        // server shutting down, or the client went idle
  kProtocolError = 1002,    // a frame broke RFC 6455
  kUnsupportedData = 1003,  // a binary message where text was expected
  kInvalidPayload = 1007,   // text that is not UTF-8
  kPolicyViolation = 1008,  // too slow to keep up, or another policy refusal
  kMessageTooBig = 1009,    // a message over the configured limit
  kInternalError = 1011,
};

/// The close a session sends when its subscription ended for `reason`.
struct CloseFrame {
  CloseCode code;
  std::string_view reason;  // static text, at most 123 bytes as RFC 6455 allows
};

CloseFrame closeFrameFor(core::CloseReason reason);

inline constexpr std::string_view kReasonTooSlow = "too slow to keep up";
inline constexpr std::string_view kReasonShuttingDown = "server shutting down";
inline constexpr std::string_view kReasonIdle = "idle timeout";
inline constexpr std::string_view kReasonRateExceeded = "publish rate exceeded";
inline constexpr std::string_view kReasonUnreadReplies = "too many unread replies";
inline constexpr std::string_view kReasonTokenExpired = "token expired";

}  // namespace spread::transport
