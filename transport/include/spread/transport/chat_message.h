#pragma once

#include <string>

namespace spread::transport {

/// The chatroom's message, as the Go example defines it: {"name": ..., "msg": ...}.
struct ChatMessage {
  std::string name;
  std::string msg;

  friend bool operator==(const ChatMessage&, const ChatMessage&) = default;
};

}  // namespace spread::transport
