#include "upgrade_decision.h"

#include "admission/access_check.h"
#include "http/subscribe_start.h"
#include "http/topic_query.h"
#include "presence_requests.h"
#include "ws/handshake.h"

namespace spread::plugins::websocket {

using transport::Rejection;

UpgradeDecision decideUpgrade(ServingContext& context, const HttpRequest& request) {
  transport::Metrics& metrics = context.transport.metrics;
  auto refuse = [&](Rejection why, int status, std::string_view error, std::string_view field) {
    return UpgradeDecision{HttpAnswer::refusal(metrics, why, status, error, field), {}, {}, {}, {}, {}};
  };
  auto header = [&request](std::string_view name) -> std::string_view {
    const std::string* value = request.header(name);
    return value != nullptr ? std::string_view(*value) : std::string_view();
  };
  if (context.isDraining()) return refuse(Rejection::kDraining, 503, "the server is shutting down", {});
  if (const std::string* origin = request.header("Origin");
      !context.config().allowedOrigins.allows(origin, request.header("Host"))) {
    UpgradeDecision decision =
        refuse(Rejection::kForbiddenOrigin, 403, "origin " + *origin + " may not open a WebSocket here", "Origin");
    decision.refusal->close = true;
    return decision;
  }
  TopicQuery query = readTopic(request.target, context.transport.publisher.defaultTopic());
  if (query.error) return refuse(Rejection::kBadTopic, 400, *query.error, "topic");
  SubscribeStart start = readSubscribeStart(request.target);
  if (start.error) return refuse(Rejection::kBadRequest, 400, *start.error, start.field);
  if (!asksForWebSocket(header("Upgrade"), header("Connection"))) {
    UpgradeDecision decision =
        refuse(Rejection::kUpgradeRequired, 426,
               "GET /subscribe needs a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket)", "Upgrade");
    decision.refusal->headers.emplace_back("Upgrade", "websocket");
    return decision;
  }
  if (header("Sec-WebSocket-Version") != "13") {
    UpgradeDecision decision = refuse(Rejection::kUpgradeRequired, 426, "only WebSocket version 13 is supported",
                                      "Sec-WebSocket-Version");
    decision.refusal->headers.emplace_back("Upgrade", "websocket");
    decision.refusal->headers.emplace_back("Sec-WebSocket-Version", "13");
    decision.refusal->close = true;
    return decision;
  }
  std::optional<std::string> accept = acceptFor(header("Sec-WebSocket-Key"));
  if (!accept) {
    UpgradeDecision decision = refuse(Rejection::kBadRequest, 400,
                                      "Sec-WebSocket-Key must be the base64 encoding of 16 bytes", "Sec-WebSocket-Key");
    decision.refusal->close = true;
    return decision;
  }
  AccessDecision access = checkAccess(context, request, Access::kSubscribe, query.topic);
  if (access.refusal) {
    UpgradeDecision decision{std::move(access.refusal), {}, {}, {}, {}, {}};
    decision.refusal->close = true;
    return decision;
  }
  PresenceAskReading presence = readPresenceAsk(context, request, access.grant.get());
  if (presence.refusal) {
    UpgradeDecision decision{std::move(presence.refusal), {}, {}, {}, {}, {}};
    decision.refusal->close = true;
    return decision;
  }
  return UpgradeDecision{std::nullopt, std::move(query.topic), std::move(*accept), std::move(access.grant),
                         start.from, std::move(presence.ask)};
}

}  // namespace spread::plugins::websocket
