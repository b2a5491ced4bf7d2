#include "wire_client.h"

#include <array>
#include <utility>

namespace spread::sim {

namespace {
// Any key will do (RFC 6455 asks a browser for an unpredictable one, to defeat caching
// proxies, which the simulator has none of); a fixed one keeps runs repeatable.
constexpr std::array<unsigned char, 4> kMaskKey{0x37, 0xfa, 0x21, 0x3d};
constexpr int kOpcodeContinuation = 0x0;
constexpr int kOpcodeText = 0x1;
constexpr int kOpcodeBinary = 0x2;
constexpr int kOpcodeClose = 0x8;
constexpr int kOpcodePing = 0x9;
constexpr int kOpcodePong = 0xA;
constexpr std::size_t kControlPayloadMax = 125;

enum class Utf8 { kValid, kUnfinished, kInvalid };

// Judges `bytes` as the start of a UTF-8 text by RFC 3629's table of well-formed byte
// sequences (the first continuation byte's range depends on the lead byte, which rules
// out overlong forms, surrogates and code points above U+10FFFF). kUnfinished: valid but
// for a last character that more bytes could still complete.
Utf8 judgeUtf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;   // the range of the byte after the lead
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return Utf8::kInvalid;
    }
    for (std::size_t k = 1; k < length; ++k) {
      if (i + k >= bytes.size()) return Utf8::kUnfinished;
      const auto byte = static_cast<unsigned char>(bytes[i + k]);
      if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xBF)) return Utf8::kInvalid;
    }
    i += length;
  }
  return Utf8::kValid;
}

// The codes RFC 6455 section 7.4 (and its IANA registry) lets a peer put in a close frame:
// 1004, 1005, 1006 and 1015 are reserved, and nothing below 1000 or from 5000 is valid.
bool peerMaySend(int code) {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

RequiredClose protocolError(std::string why) { return RequiredClose{1002, std::move(why)}; }

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

HeardFrames scanServerFrames(std::string_view received) {
  HeardFrames heard;
  if (!received.starts_with("HTTP/1.1 101 ")) return heard;
  const std::size_t head = received.find("\r\n\r\n");
  if (head == std::string_view::npos) return heard;
  std::string_view frames = received.substr(head + 4);
  while (frames.size() >= 2) {
    const auto first = static_cast<unsigned char>(frames[0]);
    const auto second = static_cast<unsigned char>(frames[1]);
    std::size_t at = 2;
    std::uint64_t length = second & 0x7f;
    if (length == 126 || length == 127) {
      const std::size_t bytes = length == 126 ? 2 : 8;
      if (frames.size() < at + bytes) return heard;
      length = 0;
      for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | static_cast<unsigned char>(frames[at + i]);
      at += bytes;
    }
    if ((second & 0x80) != 0) at += 4;  // a server must not mask; skip a key if it did
    if (frames.size() < at || frames.size() - at < length) return heard;
    const std::string_view payload = frames.substr(at, length);
    const int opcode = first & 0x0f;
    if (opcode == kOpcodePong) heard.pongs.emplace(payload);
    if (opcode == kOpcodeClose) {
      ServerClose close;
      if (payload.size() >= 2) {
        close.code = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
        close.reason = std::string(payload.substr(2));
      }
      heard.close = std::move(close);
      return heard;
    }
    frames.remove_prefix(at + length);
  }
  return heard;
}

std::optional<ServerClose> findServerClose(std::string_view received) { return scanServerFrames(received).close; }

void StreamReference::raw(std::string_view bytes) {
  // One upgrade request head and nothing more: what follows it is frames.
  const bool head = bytes.starts_with("GET ") && bytes.find("\r\n\r\n") == bytes.size() - 4;
  std::string lower(bytes);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  const bool body = lower.find("content-length") != std::string::npos ||
                    lower.find("transfer-encoding") != std::string::npos;
  if (stage_ == Stage::kFresh && head && !body) {
    stage_ = Stage::kJudging;
  } else if (stage_ != Stage::kFailed) {
    stage_ = Stage::kUnjudged;
  }
}

std::optional<RequiredClose> StreamReference::frame(int opcode, std::string_view payload,
                                                    std::optional<int> closeCode, bool fin, bool masked) {
  std::string body;
  if (closeCode) {
    body += static_cast<char>((*closeCode >> 8) & 0xff);
    body += static_cast<char>(*closeCode & 0xff);
  }
  body += payload;
  switch (stage_) {
    case Stage::kFresh: stage_ = Stage::kUnjudged; return std::nullopt;  // HTTP garbage, not a frame
    case Stage::kUnjudged: return std::nullopt;
    case Stage::kFailed:
      if (opcode == kOpcodePing) pingsAfter_.insert(body);
      return std::nullopt;
    case Stage::kJudging: break;
  }
  std::optional<RequiredClose> required = judge(opcode, body, fin, masked);
  if (required) {
    stage_ = Stage::kFailed;
  } else if (opcode == kOpcodePing) {
    pingsBefore_.insert(body);
  }
  return required;
}

std::optional<RequiredClose> StreamReference::judge(int opcode, const std::string& body, bool fin, bool masked) {
  const bool known = opcode == kOpcodeContinuation || opcode == kOpcodeText || opcode == kOpcodeBinary ||
                     opcode == kOpcodeClose || opcode == kOpcodePing || opcode == kOpcodePong;
  if (!known) return protocolError("a frame with the reserved opcode " + std::to_string(opcode));
  if (!masked) return protocolError("an unmasked frame");
  if (opcode >= kOpcodeClose) {
    if (!fin) return protocolError("a fragmented control frame");
    if (body.size() > kControlPayloadMax) {
      return protocolError("a control frame of " + std::to_string(body.size()) + " bytes");
    }
    if (opcode != kOpcodeClose) return std::nullopt;
    if (body.size() == 1) return protocolError("a close frame with a 1-byte payload");
    if (body.size() >= 2) {
      const int code = (static_cast<unsigned char>(body[0]) << 8) | static_cast<unsigned char>(body[1]);
      if (!peerMaySend(code)) return protocolError("a close frame with the code " + std::to_string(code));
      if (judgeUtf8(std::string_view(body).substr(2)) != Utf8::kValid) {
        return RequiredClose{1007, "a close frame whose reason is not UTF-8"};
      }
    }
    // A clean close: the server answers it and reads nothing more.
    stage_ = Stage::kUnjudged;
    return std::nullopt;
  }
  if (opcode == kOpcodeContinuation && !inMessage_) return protocolError("a continuation with no message to continue");
  if (opcode != kOpcodeContinuation && inMessage_) return protocolError("a data frame inside a fragmented message");
  if (opcode == kOpcodeBinary) return RequiredClose{1003, "a binary frame"};
  if (body.size() > messageBytesMax_ - message_.size()) {
    return RequiredClose{1009, "a message over " + std::to_string(messageBytesMax_) + " bytes"};
  }
  inMessage_ = true;
  message_ += body;
  const Utf8 text = judgeUtf8(message_);
  if (text == Utf8::kInvalid || (fin && text == Utf8::kUnfinished)) {
    return RequiredClose{1007, "a text frame that is not UTF-8"};
  }
  if (fin) {
    inMessage_ = false;
    message_.clear();
  }
  return std::nullopt;
}

bool StreamReference::answeredPingAfterFailure(const HeardFrames& heard) const {
  for (const std::string& pong : heard.pongs) {
    if (pingsAfter_.count(pong) != 0 && pingsBefore_.count(pong) == 0) return true;
  }
  return false;
}

}  // namespace spread::sim
