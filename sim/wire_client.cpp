#include "wire_client.h"

#include <array>

namespace spread::sim {

namespace {
// Any key will do (RFC 6455 asks a browser for an unpredictable one, to defeat caching
// proxies, which the simulator has none of); a fixed one keeps runs repeatable.
constexpr std::array<unsigned char, 4> kMaskKey{0x37, 0xfa, 0x21, 0x3d};
}  // namespace

std::string encodeClientFrame(int opcode, std::string_view payload, std::optional<int> closeCode, bool fin,
                              bool masked) {
  std::string body;
  if (closeCode) {
    body += static_cast<char>((*closeCode >> 8) & 0xff);
    body += static_cast<char>(*closeCode & 0xff);
  }
  body += payload;
  std::string out;
  out += static_cast<char>((fin ? 0x80 : 0x00) | (opcode & 0x0f));
  const char maskBit = masked ? static_cast<char>(0x80) : 0;
  if (body.size() < 126) {
    out += static_cast<char>(maskBit | static_cast<char>(body.size()));
  } else if (body.size() <= 0xffff) {
    out += static_cast<char>(maskBit | 126);
    out += static_cast<char>((body.size() >> 8) & 0xff);
    out += static_cast<char>(body.size() & 0xff);
  } else {
    out += static_cast<char>(maskBit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((body.size() >> shift) & 0xff);
  }
  if (masked) {
    for (unsigned char byte : kMaskKey) out += static_cast<char>(byte);
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(body[i] ^ kMaskKey[i % 4]);
  }
  return out + body;
}

std::optional<ServerClose> findServerClose(std::string_view received) {
  if (!received.starts_with("HTTP/1.1 101 ")) return std::nullopt;
  const std::size_t head = received.find("\r\n\r\n");
  if (head == std::string_view::npos) return std::nullopt;
  std::string_view frames = received.substr(head + 4);
  while (frames.size() >= 2) {
    const auto first = static_cast<unsigned char>(frames[0]);
    const auto second = static_cast<unsigned char>(frames[1]);
    std::size_t at = 2;
    std::uint64_t length = second & 0x7f;
    if (length == 126 || length == 127) {
      const std::size_t bytes = length == 126 ? 2 : 8;
      if (frames.size() < at + bytes) return std::nullopt;
      length = 0;
      for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | static_cast<unsigned char>(frames[at + i]);
      at += bytes;
    }
    if ((second & 0x80) != 0) at += 4;  // a server must not mask; skip a key if it did
    if (frames.size() < at || frames.size() - at < length) return std::nullopt;
    const std::string_view payload = frames.substr(at, length);
    if ((first & 0x0f) == 0x8) {
      ServerClose close;
      if (payload.size() >= 2) {
        close.code = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
        close.reason = std::string(payload.substr(2));
      }
      return close;
    }
    frames.remove_prefix(at + length);
  }
  return std::nullopt;
}

}  // namespace spread::sim
