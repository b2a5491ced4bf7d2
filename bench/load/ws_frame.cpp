#include "ws_frame.h"

namespace spread::bench {
namespace {

bool knownOpcode(std::uint8_t value) {
  return value <= 0x2 || (value >= 0x8 && value <= 0xA);
}

}  // namespace

void appendFrameHeader(std::string& out, Opcode opcode, std::size_t payloadSize, bool fin,
                       bool masked, std::uint32_t maskKey) {
  char header[14];
  std::size_t size = 0;
  header[size++] = static_cast<char>((fin ? 0x80 : 0x00) | static_cast<std::uint8_t>(opcode));
  const std::uint8_t maskBit = masked ? 0x80 : 0x00;
  if (payloadSize < 126) {
    header[size++] = static_cast<char>(maskBit | payloadSize);
  } else if (payloadSize <= 0xFFFF) {
    header[size++] = static_cast<char>(maskBit | 126);
    header[size++] = static_cast<char>(payloadSize >> 8);
    header[size++] = static_cast<char>(payloadSize);
  } else {
    header[size++] = static_cast<char>(maskBit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) header[size++] = static_cast<char>(payloadSize >> shift);
  }
  if (masked) {
    for (int shift = 24; shift >= 0; shift -= 8) header[size++] = static_cast<char>(maskKey >> shift);
  }
  out.append(header, size);
}

void appendClientFrame(std::string& out, Opcode opcode, std::string_view payload,
                       std::uint32_t maskKey) {
  appendFrameHeader(out, opcode, payload.size(), true, true, maskKey);
  const std::uint8_t key[4] = {static_cast<std::uint8_t>(maskKey >> 24), static_cast<std::uint8_t>(maskKey >> 16),
                               static_cast<std::uint8_t>(maskKey >> 8), static_cast<std::uint8_t>(maskKey)};
  const std::size_t start = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < payload.size(); ++i) out[start + i] = static_cast<char>(out[start + i] ^ key[i & 3]);
}

ParseStatus parseServerFrame(std::string_view buffer, std::size_t payloadMax, FrameView& frame,
                             std::string& error) {
  if (buffer.size() < 2) return ParseStatus::kIncomplete;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(buffer.data());
  if ((bytes[0] & 0x70) != 0) {
    error = "frame has reserved bits set";
    return ParseStatus::kError;
  }
  if (!knownOpcode(bytes[0] & 0x0F)) {
    error = "frame has an unknown opcode";
    return ParseStatus::kError;
  }
  if ((bytes[1] & 0x80) != 0) {
    error = "server frame is masked";
    return ParseStatus::kError;
  }
  frame.fin = (bytes[0] & 0x80) != 0;
  frame.opcode = static_cast<Opcode>(bytes[0] & 0x0F);
  std::size_t headerSize = 2;
  std::uint64_t length = bytes[1] & 0x7F;
  if (length == 126) {
    headerSize = 4;
    if (buffer.size() < headerSize) return ParseStatus::kIncomplete;
    length = (std::uint64_t{bytes[2]} << 8) | bytes[3];
  } else if (length == 127) {
    headerSize = 10;
    if (buffer.size() < headerSize) return ParseStatus::kIncomplete;
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | bytes[i];
  }
  const bool control = (static_cast<std::uint8_t>(frame.opcode) & 0x08) != 0;
  if (control && (length > 125 || !frame.fin)) {
    error = "control frame is fragmented or longer than 125 bytes";
    return ParseStatus::kError;
  }
  if (length > payloadMax) {
    error = "frame payload of " + std::to_string(length) + " bytes exceeds " + std::to_string(payloadMax);
    return ParseStatus::kError;
  }
  if (buffer.size() - headerSize < length) return ParseStatus::kIncomplete;
  frame.payload = buffer.substr(headerSize, static_cast<std::size_t>(length));
  frame.frameBytes = headerSize + static_cast<std::size_t>(length);
  return ParseStatus::kFrame;
}

std::uint16_t closeCodeOf(std::string_view closePayload) {
  if (closePayload.size() < 2) return 1005;
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(closePayload[0]) << 8) |
                                    static_cast<std::uint8_t>(closePayload[1]));
}

}  // namespace spread::bench
