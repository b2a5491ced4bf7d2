#pragma once

#include <string_view>

#include "http/http_answer.h"
#include "spread/transport/transport.h"

namespace spread::plugins::websocket {

/// True for the routes that are not for the public: /metrics (it names every topic in
/// use) and every admin route to come. `path` is decoded. The main port serves them only to
/// loopback clients, or not at all once an admin listener is configured (http_routes.h).
bool isPrivatePath(std::string_view path);

/// GET /healthz, on both ports: 200 {"status":"serving"}, or 503 {"status":"draining"} once
/// the server is shutting down, so a load balancer stops sending clients.
HttpAnswer healthAnswer(transport::TransportContext& context);

/// GET /metrics: the Prometheus text of the daemon's counters and its topics.
HttpAnswer metricsAnswer(transport::TransportContext& context);

/// Every request on the admin listener, whatever its body: GET or HEAD /healthz and
/// /metrics; 405 with Allow for another method on those; 400 for a target that is not a
/// valid path; 404 for any other path. Refusals are JSON bodies, counted in the metrics as
/// on the main port. `target` is the request-target as sent. Safe on any thread.
HttpAnswer answerAdminRequest(transport::TransportContext& context, std::string_view method,
                              std::string_view target);

}  // namespace spread::plugins::websocket
