#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "spread/transport/publish_service.h"

namespace spread::sim {

/// Why the server refused a publish it answered, as a scenario names it in
/// `expect NAME rejected N kind=KIND`. A POST is told by its PublishResult status; a text
/// frame by the error frame the session sends back ({"error":"…"}), read here by its
/// wording, since the frame carries no status. Refusals that close the connection without
/// an answer (1009 for a frame over messageBytesMax, 1008 for unread replies) are no kind:
/// a scenario expects those with `closed`.
enum class RejectionKind : std::size_t {
  kBadRequest,   // the body is not a chat message: bad JSON, a field missing, empty or too long
  kBadTopic,     // the topic name is malformed
  kBusy,         // the topic had no room within the publish wait, or too many of the
                 // connection's publishes were waiting for some
  kDraining,     // the server is shutting down, or the topic closed
  kRateLimited,  // over a publish rate limit (the connection is closed 1008 after it)
  kUnauthorized, // no token, or one that does not verify (and a refused fresh token)
  kForbidden,    // a topic the token does not allow, or a name that is not its subject
  kUnavailable,  // the engine could not reach the other nodes (a cluster's link is down)
  kUnknown,      // an error frame worded as none of the above; never named by a scenario
  kCount,
};

inline constexpr std::size_t kRejectionKinds = static_cast<std::size_t>(RejectionKind::kCount);

/// Refusals counted by kind.
using RejectionCounts = std::array<std::uint64_t, kRejectionKinds>;

/// "bad_request", "bad_topic", "busy", "draining", "rate_limited", "unauthorized",
/// "forbidden", "unavailable"; "unknown" for kUnknown.
std::string_view toString(RejectionKind kind);

/// The kind a scenario calls `name`, or nothing (kUnknown has no name a scenario may use).
std::optional<RejectionKind> rejectionKindNamed(std::string_view name);

/// "bad_request, bad_topic, busy, draining or rate_limited": for error messages.
std::string rejectionKindNames();

/// The kind of a refused POST. REQUIRES: !PublishResult{status}.ok().
RejectionKind rejectionKindOf(transport::PublishResult::Status status);

/// The kind of an error frame a session sent: `text` is its JSON. Anything not worded as a
/// session or the publish path words a refusal is kUnknown.
RejectionKind rejectionKindOfErrorFrame(std::string_view text);

}  // namespace spread::sim
