#pragma once

#include <memory>

#include "http/http_request_parser.h"
#include "http_routes.h"
#include "serving_context.h"
#include "spread/transport/stream_endpoint.h"

namespace spread::plugins::websocket {

/// A request for a path another plugin streams (TransportContext::streams): admitted as GET
/// /subscribe is, or refused, in this order: 405 for a method other than GET; 503 draining;
/// 403 an Origin the policy does not allow; 400 bad topic; 400 a bad since, epoch or last;
/// with tokens in use, 401 or 403 (checkAccess(): `?token=` serves EventSource, which
/// cannot set headers). Admitted: a Route of kind kStream, for HttpConnection to open.
Route routeStream(ServingContext& context, const HttpRequest& request,
                  std::shared_ptr<transport::StreamEndpoint> endpoint);

}  // namespace spread::plugins::websocket
