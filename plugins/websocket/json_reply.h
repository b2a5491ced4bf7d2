#pragma once

#include <string>
#include <string_view>

#include "spread/transport/metrics.h"
#include "spread/transport/publish_service.h"

namespace Poco::Net {
class HTTPServerResponse;
}

namespace spread::plugins::websocket {

struct HttpAnswer;

using transport::errorJson;

/// Sends `answer` through Poco's server.
void sendAnswer(Poco::Net::HTTPServerResponse& response, const HttpAnswer& answer);

/// Sends `body` as application/json with `status`.
void sendJson(Poco::Net::HTTPServerResponse& response, int status, const std::string& body);

/// Counts `why` in `metrics` and sends errorJson(error, field) with `status`.
void refuse(transport::Metrics& metrics, Poco::Net::HTTPServerResponse& response, transport::Rejection why,
            int status, std::string_view error, std::string_view field = {});

}  // namespace spread::plugins::websocket
