#pragma once

#include <string>
#include <string_view>

#include <memory>

#include "client_socket.h"
#include "http/http_answer.h"
#include "http/http_request_parser.h"
#include "serving_context.h"
#include "spread/transport/auth/grant.h"
#include "spread/transport/presence.h"
#include "spread/transport/stream_endpoint.h"
#include "spread/transport/token_bucket.h"

namespace spread::plugins::websocket {

/// What to do with one complete request.
struct Route {
  enum class Kind { kAnswer, kPublish, kUpgrade, kStream, kPresence };
  Kind kind = Kind::kAnswer;
  HttpAnswer answer;  // kAnswer: the answer; kUpgrade: the 101 Switching Protocols
  std::string topic;  // kPublish and kUpgrade
  // kPublish and kUpgrade, when tokens are in use: what the client's token allows.
  std::unique_ptr<transport::auth::Grant> grant;
  core::SubscribeFrom from;  // kUpgrade and kStream: where the subscription starts
  transport::PresenceAsk presence;  // kUpgrade: ?name= and ?presence=
  std::shared_ptr<transport::StreamEndpoint> stream;  // kStream: the endpoint that serves it
};

/// The answer to every request other than POST /publish and GET /subscribe: the chat page,
/// /healthz, the private paths, 405 with Allow for a known path, 404 otherwise. `path` is decoded.
/// HEAD is answered as GET is (the response writer leaves the body out). It does not judge
/// who may read a private path: routeRequest() does that first.
HttpAnswer answerPlainRequest(ServingContext& context, std::string_view method, std::string_view path);

/// The one path every request takes, the first on a connection included, whichever loop
/// serves it. In order:
///   - the request itself: HTTP/1.1 needs exactly one Host, HTTP/1.0 at most one, each a
///     valid host[:port] (400, and the connection ends: RFC 9112 3.2);
///   - who sent it: behind a trusted proxy, the client the proxy names is counted against
///     connectionsPerAddressMax from now on (503 and the end of the connection over it);
///   - POST /publish: 503 while draining; 403 for an Origin not allowed; 415 without
///     Content-Type: application/json; 400 for a bad topic; 429 with Retry-After when the
///     connection's own rate (`publishes`) or its address's rate is spent; with tokens in
///     use, 401 or 403 (checkAccess()). Otherwise the caller publishes the body to `topic`.
///   - GET /subscribe: decideUpgrade(), then the caller hands the socket to a WebSocket.
///   - a private path (admin_routes.h: /metrics, /status…): 404 when transport.websocket.adminPort
///     is set (the admin listener serves it instead); otherwise 403 unless the client is
///     loopback (behind a trusted proxy, the client it names: private_access.h);
///   - GET or HEAD /presence: kPresence; the caller answers through answerPresence().
///   - a path another plugin streams (TransportContext::streams): routeStream();
///   - anything else: answerPlainRequest().
/// Loop-thread only: `socket` and `publishes` belong to the calling connection.
Route routeRequest(ServingContext& context, const HttpRequest& request, ClientSocket& socket,
                   transport::TokenBucket& publishes);

}  // namespace spread::plugins::websocket
