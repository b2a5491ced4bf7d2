#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace spread::client {

/// What a text frame from spreadd's /subscribe is.
struct ServerFrame {
  enum class Kind {
    kMessage,        // {"name":"…","msg":"…"}: name and msg are set
    kError,          // {"error":"…",…}: text is the error
    kTokenAccepted,  // {"token":"accepted"}
    kUnknown,        // anything else: text is the frame
  };
  Kind kind = Kind::kUnknown;
  std::string name;
  std::string msg;
  std::string text;
  std::uint64_t offset = 0;  // a message's "offset" and "epoch", when the server sends them
  std::string epoch;
};

/// Classifies one text frame. Never throws: what does not parse is kUnknown.
ServerFrame readServerFrame(std::string_view frame);

}  // namespace spread::client
