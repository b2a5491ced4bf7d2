#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spread::plugins::sim {

/// The wire as a strict WebSocket client reads and writes it: its own RFC 6455 codec, not
/// the server's, so that a bug in the server's codec cannot hide on both sides. Reading is
/// the reference model a scripted client checks every server frame against.

enum ClientOpcode : int { kOpContinuation = 0x0, kOpText = 0x1, kOpBinary = 0x2, kOpClose = 0x8, kOpPing = 0x9, kOpPong = 0xA };

/// One masked client frame: `payload` after `closeCode` when one is given; FIN clear for
/// every fragment of a message but its last.
std::string encodeMaskedFrame(int opcode, std::string_view payload, std::array<unsigned char, 4> key,
                              std::optional<std::uint16_t> closeCode = std::nullopt, bool fin = true);

/// A whole server frame taken off the front of what a client has received.
struct ServerFrame {
  int opcode = 0;
  std::string_view payload;   // within what was read, so valid as long as that is
  std::size_t wireBytes = 0;  // header and payload, as taken off the stream
};

/// What the front of `received` holds.
struct ServerFrameRead {
  enum class Status { kFrame, kIncomplete, kViolation } status = Status::kIncomplete;
  ServerFrame frame;    // for kFrame
  std::string problem;  // for kViolation: which rule the bytes break
};

/// Reads one server frame off the front of `received`, holding it to what RFC 6455 asks of
/// a server, and to what Spread's server promises besides: unmasked, no RSV bits (no
/// extension is ever negotiated), the shortest length encoding, control frames of at most
/// 125 bytes and never fragmented, close frames with a code a server may send and a UTF-8
/// reason. Spread never fragments a message nor sends binary, so FIN is always set and only
/// text, close, ping and pong appear. A text frame's UTF-8 is the caller's to check (with
/// core::isValidUtf8): a client seeing the same message on many connections checks it once.
ServerFrameRead readServerFrame(std::string_view received);

/// How many more bytes `partial`, the start of a server frame, needs before the frame is
/// whole or, while its header is incomplete, before its length can be known. At least 1.
std::size_t bytesToCompleteFrame(std::string_view partial);

/// A close frame's payload, read: its code (0 if it has none) and reason.
struct ClosePayload {
  std::uint16_t code = 0;
  std::string reason;
};
ClosePayload readClosePayload(std::string_view payload);

}  // namespace spread::plugins::sim
