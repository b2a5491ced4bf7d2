#pragma once

#include <string>
#include <string_view>

#include "spread/core/codec.h"
#include "spread/transport/chat_message.h"

namespace spread::transport {

/// JSON codec for ChatMessage. Decoding requires an object whose "name" and "msg" are
/// non-empty strings of valid UTF-8; extra fields are ignored. Encoding writes exactly
/// {"name":"…","msg":"…"}, escaping as JSON requires.
struct ChatCodec {
  /// kOptional: a message may leave "name" out (its publisher's token names it); decoded
  /// with an empty name then.
  enum class Name { kRequired, kOptional };

  static std::string encode(const ChatMessage& message);
  static core::Decoded<ChatMessage> decode(std::string_view bytes, Name name = Name::kRequired);
};

/// Appends `text` to `out` as a JSON string literal, quotes included.
void appendJsonString(std::string& out, std::string_view text);

}  // namespace spread::transport

// What makes TypedTopic<ChatMessage> encode with ChatCodec.
template <>
struct spread::core::CodecFor<spread::transport::ChatMessage> : spread::transport::ChatCodec {};
