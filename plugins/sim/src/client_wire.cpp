#include "client_wire.h"

#include "spread/core/utf8.h"

namespace spread::plugins::sim {

namespace {

bool isControl(int opcode) { return (opcode & 0x8) != 0; }

// RFC 6455 7.4: the codes an endpoint may put on the wire. 1005, 1006 and 1015 are only
// ever reported locally, never sent.
bool isSendableCloseCode(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014 && code != 1015) ||
         (code >= 3000 && code <= 4999);
}

ServerFrameRead violation(std::string problem) {
  ServerFrameRead read;
  read.status = ServerFrameRead::Status::kViolation;
  read.problem = std::move(problem);
  return read;
}

}  // namespace

std::string encodeMaskedFrame(int opcode, std::string_view payload, std::array<unsigned char, 4> key,
                              std::optional<std::uint16_t> closeCode, bool fin) {
  std::string body;
  if (closeCode) {
    body += static_cast<char>(*closeCode >> 8);
    body += static_cast<char>(*closeCode & 0xff);
  }
  body += payload;
  std::string out;
  out.reserve(body.size() + 14);
  out += static_cast<char>((fin ? 0x80 : 0x00) | (opcode & 0x0f));
  if (body.size() < 126) {
    out += static_cast<char>(0x80 | body.size());
  } else if (body.size() <= 0xffff) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>(body.size() >> 8);
    out += static_cast<char>(body.size() & 0xff);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((body.size() >> shift) & 0xff);
  }
  for (unsigned char byte : key) out += static_cast<char>(byte);
  for (std::size_t i = 0; i < body.size(); ++i) out += static_cast<char>(body[i] ^ key[i % 4]);
  return out;
}

ServerFrameRead readServerFrame(std::string_view received) {
  if (received.size() < 2) return {};
  const auto first = static_cast<unsigned char>(received[0]);
  const auto second = static_cast<unsigned char>(received[1]);
  const int opcode = first & 0x0f;
  if ((first & 0x70) != 0) return violation("a server frame with RSV bits set, though no extension was agreed");
  if ((second & 0x80) != 0) return violation("a masked server frame (RFC 6455 5.1 forbids it)");
  if (opcode != kOpText && opcode != kOpClose && opcode != kOpPing && opcode != kOpPong) {
    return violation("a server frame with opcode " + std::to_string(opcode) + ", which Spread never sends");
  }
  if ((first & 0x80) == 0) return violation("a fragmented server frame (opcode " + std::to_string(opcode) + ")");
  std::uint64_t length = second & 0x7f;
  std::size_t header = 2;
  if (length == 126) {
    if (received.size() < 4) return {};
    length = (std::uint64_t{static_cast<unsigned char>(received[2])} << 8) | static_cast<unsigned char>(received[3]);
    header = 4;
    if (length < 126) return violation("a server frame whose 16-bit length " + std::to_string(length) + " fits in 7 bits");
  } else if (length == 127) {
    if (received.size() < 10) return {};
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | static_cast<unsigned char>(received[i]);
    header = 10;
    if (length >> 63 != 0) return violation("a server frame length with its most significant bit set");
    if (length <= 0xffff) return violation("a server frame whose 64-bit length " + std::to_string(length) + " fits in 16 bits");
  }
  if (isControl(opcode) && length > 125) {
    return violation("a control frame (opcode " + std::to_string(opcode) + ") of " + std::to_string(length) +
                     " bytes; at most 125 are allowed");
  }
  if (received.size() - header < length) return {};
  ServerFrameRead read;
  read.status = ServerFrameRead::Status::kFrame;
  read.frame.opcode = opcode;
  read.frame.payload = received.substr(header, static_cast<std::size_t>(length));
  read.frame.wireBytes = header + static_cast<std::size_t>(length);
  const std::string_view payload = read.frame.payload;
  if (opcode == kOpClose) {
    if (payload.size() == 1) return violation("a server close frame with a one-byte payload");
    if (payload.size() >= 2) {
      const ClosePayload close = readClosePayload(payload);
      if (!isSendableCloseCode(close.code)) {
        return violation("a server close frame with code " + std::to_string(close.code) + ", which may not be sent");
      }
      if (!core::isValidUtf8(close.reason)) return violation("a server close reason that is not valid UTF-8");
    }
  }
  return read;
}

std::size_t bytesToCompleteFrame(std::string_view partial) {
  if (partial.size() < 2) return 2 - partial.size();
  const unsigned length7 = static_cast<unsigned char>(partial[1]) & 0x7f;
  const std::size_t header = length7 == 126 ? 4 : length7 == 127 ? 10 : 2;
  if (partial.size() < header) return header - partial.size();
  std::uint64_t length = length7;
  if (length7 == 126) {
    length = (std::uint64_t{static_cast<unsigned char>(partial[2])} << 8) | static_cast<unsigned char>(partial[3]);
  } else if (length7 == 127) {
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | static_cast<unsigned char>(partial[i]);
  }
  const std::uint64_t whole = header + length;
  return whole > partial.size() ? static_cast<std::size_t>(whole - partial.size()) : 1;
}

ClosePayload readClosePayload(std::string_view payload) {
  ClosePayload close;
  if (payload.size() < 2) return close;
  close.code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                          static_cast<unsigned char>(payload[1]));
  close.reason.assign(payload.substr(2));
  return close;
}

}  // namespace spread::plugins::sim
