#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http_answer.h"
#include "route_context.h"

namespace spread::plugins::websocket {

/// What GET /subscribe decides from the request alone, before any socket work: either a
/// refusal, or the topic to subscribe to and the Sec-WebSocket-Accept value of the 101.
struct UpgradeDecision {
  std::optional<HttpAnswer> refusal;
  std::string topic;
  std::string accept;
};

/// A request header's value, or "" when the request has none.
using HeaderLookup = std::function<std::string(std::string_view name)>;

/// Refusals: 503 draining; 400 bad topic; 426 without an upgrade or with a version other
/// than 13; 400 for a malformed Sec-WebSocket-Key. Once the client has asked for a
/// WebSocket, a refusal also ends the connection: it has no further use for it.
UpgradeDecision decideUpgrade(RouteContext& context, std::string_view target, const HeaderLookup& header);

}  // namespace spread::plugins::websocket
