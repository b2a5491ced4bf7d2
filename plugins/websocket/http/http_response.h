#pragma once

#include <string>

#include "http/http_answer.h"

namespace spread::plugins::websocket {

/// Appends `answer` to `out` as an HTTP/1.1 response: status line, Date, the answer's
/// headers, Content-Type, X-Content-Type-Options: nosniff and Content-Length when there is
/// a body (none for 1xx, 204 and 304, as RFC 9110 allows), and the Connection
/// header that says whether the connection stays open. `versionMinor` is the request's: an
/// HTTP/1.0 client is told "keep-alive" explicitly. `headOnly`: the answer to a HEAD
/// request, with every header a GET would get but no body.
/// A 101 answer's headers (Upgrade, Connection, Sec-WebSocket-Accept) come in `answer`.
void appendResponse(std::string& out, const HttpAnswer& answer, bool keepAlive, int versionMinor,
                    bool headOnly = false);

}  // namespace spread::plugins::websocket
