#pragma once

#include <string_view>

#include "http/http_answer.h"
#include "spread/transport/transport.h"

namespace spread::plugins::websocket {

/// True for the routes that are not for the public: /metrics, /status and /status.json (they
/// name every topic in use) and every admin route to come. `path` is decoded. The main port serves them only to
/// loopback clients, or not at all once an admin listener is configured (http_routes.h).
bool isPrivatePath(std::string_view path);

/// GET /healthz, on both ports: 200 {"status":"serving"}, or 503 {"status":"draining"} once
/// the server is shutting down, so a load balancer stops sending clients.
HttpAnswer healthAnswer(transport::TransportContext& context);

/// GET /metrics: the Prometheus text of the daemon's counters and its topics.
HttpAnswer metricsAnswer(transport::TransportContext& context);

/// GET of a private path (isPrivatePath): /metrics, /status.json or the status page at /status.
/// Says nothing of who may have it: the caller decides that first.
HttpAnswer privateAnswer(transport::TransportContext& context, std::string_view path);

/// Every request on the admin listener, whatever its body: GET or HEAD /healthz and every
/// private path; 405 with Allow for another method on those; 400 for a target that is not a
/// valid path; 404 for any other path. Refusals are JSON bodies, counted in the metrics as
/// on the main port. `target` is the request-target as sent. Safe on any thread.
HttpAnswer answerAdminRequest(transport::TransportContext& context, std::string_view method,
                              std::string_view target);

}  // namespace spread::plugins::websocket
