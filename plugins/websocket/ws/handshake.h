#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spread::plugins::websocket {

/// True if the request asks to switch to WebSocket: "Upgrade: websocket" and a
/// Connection header listing "upgrade" (both case-insensitive, RFC 6455 section 4.2.1).
bool asksForWebSocket(std::string_view upgrade, std::string_view connection);

/// The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key, or nullopt if the
/// key is not the base64 encoding of 16 bytes.
std::optional<std::string> acceptFor(std::string_view key);

}  // namespace spread::plugins::websocket
