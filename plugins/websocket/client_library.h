#pragma once

#include <string>

#include "http/http_answer.h"

namespace spread::plugins::websocket {

/// GET /spread.js: the JavaScript client (web/spread.js) as text/javascript, with an ETag of
/// its content and Cache-Control: no-cache, so a browser revalidates and gets 304 (no body)
/// when `ifNoneMatch` (the request's If-None-Match, or null) names the current version.
HttpAnswer clientLibraryAnswer(const std::string* ifNoneMatch);

/// The ETag the library is served with: a quoted digest of its text.
const std::string& clientLibraryEtag();

}  // namespace spread::plugins::websocket
