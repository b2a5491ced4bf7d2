#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ws/frame.h"
#include "spread/transport/close_code.h"

namespace spread::plugins::websocket {

/// The header of one server frame: FIN set, no mask (RFC 6455 forbids masking server
/// frames), and the shortest length encoding. At most 10 bytes, kept inline so queueing a
/// frame never allocates for its header.
class FrameHeader {
 public:
  static constexpr std::size_t kBytesMax = 10;

  FrameHeader(Opcode opcode, std::size_t payloadBytes);

  std::string_view bytes() const { return {bytes_.data(), size_}; }

 private:
  std::array<char, kBytesMax> bytes_{};
  std::uint8_t size_ = 0;
};

/// A whole unmasked frame: header followed by `payload`. For control frames and the few
/// frames the server composes itself; shared message payloads are sent with FrameHeader.
std::string encodeFrame(Opcode opcode, std::string_view payload);

/// The payload of a close frame: the code in network byte order, then `reason` cut to
/// kCloseReasonBytesMax bytes without splitting a UTF-8 sequence.
std::string encodeClosePayload(transport::CloseCode code, std::string_view reason);

}  // namespace spread::plugins::websocket
