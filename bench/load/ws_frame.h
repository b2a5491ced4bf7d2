#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace spread::bench {

/// The few pieces of RFC 6455 framing a load-generating client needs: writing masked
/// client frames and reading the server's unmasked ones straight out of a receive buffer,
/// without copying payloads. (The WebSocket plugin has its own encoder; this one keeps the
/// load tool free of the server's code, so a bug there cannot hide in both.)
enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

/// Appends a frame header: FIN/opcode byte, length in the shortest form, and the masking
/// key when `masked` (a client must mask; a server must not).
void appendFrameHeader(std::string& out, Opcode opcode, std::size_t payloadSize, bool fin,
                       bool masked, std::uint32_t maskKey);

/// Appends one complete client frame: header with `maskKey`, then `payload` masked.
void appendClientFrame(std::string& out, Opcode opcode, std::string_view payload,
                       std::uint32_t maskKey);

struct FrameView {
  Opcode opcode = Opcode::kContinuation;
  bool fin = false;
  std::string_view payload;     // points into the buffer given to parseServerFrame()
  std::size_t frameBytes = 0;   // header plus payload: how much to consume
};

enum class ParseStatus { kFrame, kIncomplete, kError };

/// Reads the first frame of `buffer`. kIncomplete: more bytes are needed. kError: not a
/// frame a server may send (masked, reserved bits set, unknown opcode, a control frame
/// longer than 125 bytes or fragmented, a length over `payloadMax`); `error` says which.
ParseStatus parseServerFrame(std::string_view buffer, std::size_t payloadMax, FrameView& frame,
                             std::string& error);

/// The close code in a close frame's payload: 1005 (none given) for an empty payload.
std::uint16_t closeCodeOf(std::string_view closePayload);

}  // namespace spread::bench
