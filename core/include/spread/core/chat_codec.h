#pragma once

#include <string>
#include <string_view>

#include "spread/core/chat_message.h"
#include "spread/core/codec.h"

namespace spread::core {

/// JSON codec for ChatMessage. Decoding requires an object whose "name" and "msg" are
/// non-empty strings of valid UTF-8; extra fields are ignored. Encoding writes exactly
/// {"name":"…","msg":"…"}, escaping as JSON requires.
struct ChatCodec {
  static std::string encode(const ChatMessage& message);
  static Decoded<ChatMessage> decode(std::string_view bytes);
};

template <>
struct CodecFor<ChatMessage> : ChatCodec {};

/// Appends `text` to `out` as a JSON string literal, quotes included.
void appendJsonString(std::string& out, std::string_view text);

}  // namespace spread::core
