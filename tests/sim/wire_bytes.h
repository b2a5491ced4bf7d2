#pragma once

// The test side of the simulated clients' wire, written out by hand from RFC 6455 5.2 (not
// with either codec under test): server frames as a server puts them on the wire, and a
// decoder of the masked frames a client sends.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace spread::plugins::sim::testing {

/// A server frame: FIN and `opcode`, the payload length in the shortest form (or, with
/// `lengthBytes` 0, 2 or 8, in that form however short the payload), unmasked, the payload.
inline std::string serverFrame(int opcode, const std::string& payload, int lengthBytes = -1) {
  const std::size_t size = payload.size();
  if (lengthBytes < 0) lengthBytes = size < 126 ? 0 : size <= 0xffff ? 2 : 8;
  std::string out;
  out += static_cast<char>(0x80 | opcode);
  if (lengthBytes == 0) {
    out += static_cast<char>(size);
  } else if (lengthBytes == 2) {
    out += static_cast<char>(126);
    out += static_cast<char>(size >> 8);
    out += static_cast<char>(size & 0xff);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((size >> shift) & 0xff);
  }
  return out + payload;
}

/// A close frame's payload: `code` in network order, then `reason`.
inline std::string closeBody(std::uint16_t code, const std::string& reason = {}) {
  return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)} + reason;
}

/// A client frame, unmasked by hand.
struct ClientFrame {
  int opcode = 0;
  bool fin = false;
  bool masked = false;
  std::array<unsigned char, 4> key{};
  std::string payload;     // unmasked
  std::size_t wireBytes = 0;

  std::uint16_t closeCode() const {
    return payload.size() < 2 ? 0
                              : static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                           static_cast<unsigned char>(payload[1]));
  }
  std::string closeReason() const { return payload.size() < 2 ? std::string() : payload.substr(2); }
};

/// Takes the client frame at the front of `bytes` off it; nullopt (and `bytes` untouched)
/// if it is not whole yet.
inline std::optional<ClientFrame> takeClientFrame(std::string& bytes) {
  if (bytes.size() < 2) return std::nullopt;
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(bytes[at]); };
  ClientFrame frame;
  frame.fin = (byte(0) & 0x80) != 0;
  frame.opcode = byte(0) & 0x0f;
  frame.masked = (byte(1) & 0x80) != 0;
  std::uint64_t length = byte(1) & 0x7f;
  std::size_t at = 2;
  if (length == 126) {
    if (bytes.size() < 4) return std::nullopt;
    length = (std::uint64_t{byte(2)} << 8) | byte(3);
    at = 4;
  } else if (length == 127) {
    if (bytes.size() < 10) return std::nullopt;
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | byte(i);
    at = 10;
  }
  if (frame.masked) {
    if (bytes.size() < at + 4) return std::nullopt;
    for (std::size_t i = 0; i < 4; ++i) frame.key[i] = byte(at + i);
    at += 4;
  }
  if (bytes.size() - at < length) return std::nullopt;
  for (std::uint64_t i = 0; i < length; ++i) {
    frame.payload += static_cast<char>(byte(at + i) ^ (frame.masked ? frame.key[i % 4] : 0));
  }
  frame.wireBytes = at + static_cast<std::size_t>(length);
  bytes.erase(0, frame.wireBytes);
  return frame;
}

}  // namespace spread::plugins::sim::testing
