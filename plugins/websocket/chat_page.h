#pragma once

#include <string_view>

namespace spread::plugins::websocket {

/// The chat page served at GET /: one HTML document (CSS and its script inline) that imports
/// the client library from /spread.js (web/spread.js). Through it, the page subscribes over
/// ws(s)://<its own host>/subscribe (carrying its own ?topic= along), publishes with POST
/// /publish and reconnects with backoff; it shows the connection state, asks for a token
/// when the server needs one, and only ever inserts user text with textContent. Stable element ids for browser
/// tests: #name, #join (name dialog), #message, #send, #messages, #status, #error.
std::string_view chatPage();

/// The Content-Security-Policy sent with the page: nothing may load but scripts from this
/// server (/spread.js) and the page's own inline script and style (allowed by their SHA-256
/// hashes, so an injected inline script would not run), connections only to this server,
/// and no framing by other sites.
const std::string& chatPageSecurityPolicy();

}  // namespace spread::plugins::websocket
