#include "ws/frame_writer.h"

namespace spread::plugins::websocket {

FrameHeader::FrameHeader(Opcode opcode, std::size_t payloadBytes) {
  bytes_[0] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  if (payloadBytes < 126) {
    bytes_[1] = static_cast<char>(payloadBytes);
    size_ = 2;
  } else if (payloadBytes <= 0xFFFF) {
    bytes_[1] = 126;
    bytes_[2] = static_cast<char>(payloadBytes >> 8);
    bytes_[3] = static_cast<char>(payloadBytes & 0xFF);
    size_ = 4;
  } else {
    bytes_[1] = 127;
    const auto length = static_cast<std::uint64_t>(payloadBytes);
    for (int i = 0; i < 8; ++i) bytes_[2 + i] = static_cast<char>((length >> (8 * (7 - i))) & 0xFF);
    size_ = 10;
  }
}

std::string encodeFrame(Opcode opcode, std::string_view payload) {
  const FrameHeader header(opcode, payload.size());
  std::string frame;
  frame.reserve(header.bytes().size() + payload.size());
  frame.append(header.bytes()).append(payload);
  return frame;
}

std::string encodeClosePayload(transport::CloseCode code, std::string_view reason) {
  if (reason.size() > kCloseReasonBytesMax) {
    std::size_t cut = kCloseReasonBytesMax;
    // Back up over continuation bytes so the reason stays valid UTF-8.
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  const auto value = static_cast<std::uint16_t>(code);
  std::string payload;
  payload.reserve(2 + reason.size());
  payload.push_back(static_cast<char>(value >> 8));
  payload.push_back(static_cast<char>(value & 0xFF));
  payload.append(reason);
  return payload;
}

}  // namespace spread::plugins::websocket
