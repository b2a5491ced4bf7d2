#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace spread::transport::auth {

/// The token in a client's {"token":"…"} text message, by which an open WebSocket extends
/// its grant before the token it connected with expires; nullopt for any other text (a
/// chat message has "msg", a refresh has no "msg"). Cheap for chat messages: only a text
/// that mentions "token" is parsed.
std::optional<std::string> readTokenRefresh(std::string_view text);

}  // namespace spread::transport::auth
