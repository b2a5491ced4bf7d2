#pragma once

#include <cstddef>
#include <cstdint>

namespace spread::plugins::websocket {

/// RFC 6455 frame opcodes. Values 3-7 and 11-15 are reserved and refused by the parser.
enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

/// Control frames (close, ping, pong) carry at most this many payload bytes.
inline constexpr std::size_t kControlPayloadMax = 125;

/// A close reason must fit a control frame after its two-byte code.
inline constexpr std::size_t kCloseReasonBytesMax = kControlPayloadMax - 2;

inline constexpr bool isControl(Opcode opcode) { return (static_cast<std::uint8_t>(opcode) & 0x8) != 0; }

}  // namespace spread::plugins::websocket
