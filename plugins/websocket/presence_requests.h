#pragma once

#include <functional>
#include <optional>

#include "http/http_answer.h"
#include "http/http_request_parser.h"
#include "serving_context.h"
#include "spread/transport/auth/grant.h"
#include "spread/transport/presence.h"

namespace spread::plugins::websocket {

/// What GET /subscribe asks of presence (?name=N, ?presence=1), or why it is refused.
struct PresenceAskReading {
  transport::PresenceAsk ask;
  std::optional<HttpAnswer> refusal;
};

/// `name`: at most session.nameBytesMax bytes of UTF-8 (else 400 naming the field); with a
/// token (`grant`), the token's subject when left out, and 403 when it differs. `presence`:
/// "1" asks for presence frames, "0" or absent does not, anything else is a 400.
PresenceAskReading readPresenceAsk(ServingContext& context, const HttpRequest& request,
                                   const transport::auth::Grant* grant);

/// Receives GET /presence's answer, exactly once.
using PresenceAnswered = std::function<void(HttpAnswer answer)>;

/// GET /presence[?topic=T]: 200 with presenceAnswerJson() listing at most
/// Presence::kMembersListedMax members; the topic refusals of /subscribe (400), and with
/// tokens in use its 401 and 403 (checkAccess() for subscribing to T); 503 naming the
/// problem when the presence could not read its list (a shared one whose store is away).
/// Refusals are answered during the call, and so is the list of an in-process presence;
/// a shared presence answers later, on its own thread.
void answerPresence(ServingContext& context, const HttpRequest& request, PresenceAnswered answered);

}  // namespace spread::plugins::websocket
