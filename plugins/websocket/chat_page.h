#pragma once

#include <string_view>

namespace spread::plugins::websocket {

/// The chat page served at GET /: one self-contained HTML document (CSS and JS inline).
/// It subscribes over ws(s)://<its own host>/subscribe (carrying its own ?topic= along),
/// publishes with POST /publish, shows the connection state, reconnects with backoff,
/// and only ever inserts user text with textContent. Stable element ids for browser
/// tests: #name, #join (name dialog), #message, #send, #messages, #status, #error.
std::string_view chatPage();

/// The Content-Security-Policy sent with the page: nothing may load but the page's own
/// inline script and style (allowed by their SHA-256 hashes, so an injected script would
/// not run), connections only to this server, and no framing by other sites.
const std::string& chatPageSecurityPolicy();

}  // namespace spread::plugins::websocket
