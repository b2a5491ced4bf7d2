#pragma once

#include <memory>
#include <optional>
#include <string>

#include "http/http_answer.h"
#include "http/http_request_parser.h"
#include "serving_context.h"
#include "spread/core/subscribe_from.h"
#include "spread/transport/auth/grant.h"
#include "spread/transport/presence.h"

namespace spread::plugins::websocket {

/// What GET /subscribe decides from the request alone, before any socket work: either a
/// refusal, or the topic to subscribe to and the Sec-WebSocket-Accept value of the 101.
struct UpgradeDecision {
  std::optional<HttpAnswer> refusal;
  std::string topic;
  std::string accept;
  std::unique_ptr<transport::auth::Grant> grant;  // with tokens in use: what the token allows
  core::SubscribeFrom from;                        // ?since=&epoch= or ?last= (SubscribeStart)
  transport::PresenceAsk presence;                // ?name= and ?presence=
};

/// Refusals, in this order: 503 draining; 403 an Origin the policy does not allow; 400 bad
/// topic; 400 a bad since, epoch or last (readSubscribeStart()); 426 without an upgrade or
/// with a version other than 13; 400 for a malformed Sec-WebSocket-Key; with tokens in use,
/// 401 or 403 (checkAccess()); then 400 or 403 for ?name= and ?presence= (readPresenceAsk()).
/// Once the client has asked for a WebSocket, a refusal also ends the connection: it has no
/// further use for it.
UpgradeDecision decideUpgrade(ServingContext& context, const HttpRequest& request);

}  // namespace spread::plugins::websocket
