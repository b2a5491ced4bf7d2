#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "http/http_answer.h"
#include "http/http_request_parser.h"
#include "serving_context.h"
#include "spread/transport/auth/grant.h"

namespace spread::plugins::websocket {

enum class Access { kSubscribe, kPublish };

/// Whether a request may subscribe to or publish on a topic.
struct AccessDecision {
  std::optional<HttpAnswer> refusal;
  std::unique_ptr<transport::auth::Grant> grant;  // null when tokens are not in use
};

/// With tokens in use (TransportContext::auth), the request must carry one, as
/// `Authorization: Bearer <token>` or, for browsers, which cannot set headers on a
/// WebSocket, as `?token=<token>`; never both (400). No token, or one that does not verify:
/// 401 with `WWW-Authenticate: Bearer` and a JSON body saying why. A token that does not
/// allow `access` on `topic`: 403. Without tokens in use, everything is allowed. The token
/// itself is never logged nor echoed.
AccessDecision checkAccess(ServingContext& context, const HttpRequest& request, Access access, std::string_view topic);

/// GET /auth[?topic=T]: what the request's token allows, so that a page can tell its user
/// why it cannot connect before it tries. Without tokens in use: {"mode":"none"}. With them:
/// the same 400 and 401 refusals as checkAccess(), or 200 with
/// {"mode":"jwt","sub":…,"subscribe":bool,"publish":bool[,"expiresInMs":n]} for the topic
/// (the default topic if none is named).
HttpAnswer describeAccess(ServingContext& context, const HttpRequest& request);

}  // namespace spread::plugins::websocket
