#include "ws/frame_parser.h"

#include <algorithm>

namespace spread::plugins::websocket {

namespace {

using transport::CloseCode;

bool isKnownOpcode(unsigned value) {
  switch (static_cast<Opcode>(value)) {
    case Opcode::kContinuation:
    case Opcode::kText:
    case Opcode::kBinary:
    case Opcode::kClose:
    case Opcode::kPing:
    case Opcode::kPong: return true;
  }
  return false;
}

// Codes a peer may put in a close frame (RFC 6455 7.4 and the IANA registry); 1005,
// 1006 and 1015 are reserved for reporting and must never appear on the wire.
bool isValidPeerCloseCode(unsigned code) {
  if (code >= 3000 && code <= 4999) return true;
  switch (code) {
    case 1000: case 1001: case 1002: case 1003: case 1007: case 1008:
    case 1009: case 1010: case 1011: case 1012: case 1013: case 1014: return true;
    default: return false;
  }
}

// Bytes a header needs, known once its first two bytes are in.
std::size_t headerBytesNeeded(const unsigned char* header) {
  const unsigned length7 = header[1] & 0x7F;
  std::size_t needed = 2 + 4;  // client frames always carry a mask key
  if (length7 == 126) needed += 2;
  if (length7 == 127) needed += 8;
  return needed;
}

}  // namespace

void FrameParser::feed(std::string_view bytes, std::vector<ParsedEvent>& events) {
  while (stage_ != Stage::kStopped) {
    if (stage_ == Stage::kHeader) {
      if (bytes.empty()) return;
      // Gather two bytes first, then as many as the length and mask fields need.
      const std::size_t target = headerSize_ < 2 ? 2 : headerBytesNeeded(header_.data());
      const std::size_t take = std::min(target - headerSize_, bytes.size());
      std::copy_n(bytes.data(), take, header_.data() + headerSize_);
      headerSize_ = static_cast<std::uint8_t>(headerSize_ + take);
      bytes.remove_prefix(take);
      if (headerSize_ < target) return;
      if (headerSize_ == 2 && !parseHeader(events)) return;  // checks the first two bytes
      if (headerSize_ < headerBytesNeeded(header_.data())) continue;
      if (!parseHeader(events)) return;
      // A frame with no payload is complete at its header.
      if (payloadLeft_ == 0 && !finishFrame(events)) return;
      continue;
    }
    // Stage::kPayload
    if (bytes.empty()) return;
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(payloadLeft_, bytes.size()));
    if (!consumePayload(bytes.substr(0, take), events)) return;
    bytes.remove_prefix(take);
    if (payloadLeft_ == 0 && !finishFrame(events)) return;
  }
}

bool FrameParser::parseHeader(std::vector<ParsedEvent>& events) {
  const unsigned first = header_[0];
  const unsigned second = header_[1];
  if (headerSize_ == 2) {
    // Everything decidable from the first two bytes is refused before waiting for more.
    if ((first & 0x70) != 0) return fail(CloseCode::kProtocolError, "reserved bits must be clear", events);
    const unsigned opcode = first & 0x0F;
    if (!isKnownOpcode(opcode)) {
      return fail(CloseCode::kProtocolError, "unknown opcode " + std::to_string(opcode), events);
    }
    if ((second & 0x80) == 0) return fail(CloseCode::kProtocolError, "client frames must be masked", events);
    opcode_ = static_cast<Opcode>(opcode);
    fin_ = (first & 0x80) != 0;
    if (isControl(opcode_)) {
      if (!fin_) return fail(CloseCode::kProtocolError, "control frames must not be fragmented", events);
      if ((second & 0x7F) > kControlPayloadMax) {
        return fail(CloseCode::kProtocolError, "control frame payload over 125 bytes", events);
      }
    } else if (opcode_ == Opcode::kContinuation) {
      if (!inMessage_) {
        return fail(CloseCode::kProtocolError, "continuation frame without a message to continue", events);
      }
    } else {
      if (inMessage_) {
        return fail(CloseCode::kProtocolError, "new data frame inside a fragmented message", events);
      }
      if (opcode_ == Opcode::kBinary) {
        return fail(CloseCode::kUnsupportedData, "binary messages are not supported; send text", events);
      }
    }
    return true;
  }

  // The whole header is in: length, then mask key.
  const unsigned length7 = second & 0x7F;
  std::size_t at = 2;
  std::uint64_t length = length7;
  if (length7 == 126) {
    length = (std::uint64_t{header_[2]} << 8) | header_[3];
    at = 4;
  } else if (length7 == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | header_[2 + i];
    at = 10;
    if ((length >> 63) != 0) return fail(CloseCode::kProtocolError, "frame length has its top bit set", events);
  }
  std::copy_n(header_.data() + at, 4, mask_.data());
  headerSize_ = 0;
  payloadLeft_ = length;
  maskOffset_ = 0;
  if (isControl(opcode_)) {
    control_.clear();
  } else {
    if (length > messageBytesMax_ - std::min<std::uint64_t>(message_.size(), messageBytesMax_)) {
      return fail(CloseCode::kMessageTooBig,
                  "message exceeds " + std::to_string(messageBytesMax_) + " bytes", events);
    }
    if (opcode_ == Opcode::kText) {
      inMessage_ = true;
      message_.clear();
      utf8_ = core::Utf8Validator{};
    }
  }
  stage_ = Stage::kPayload;
  return true;
}

bool FrameParser::consumePayload(std::string_view piece, std::vector<ParsedEvent>& events) {
  std::string& target = isControl(opcode_) ? control_ : message_;
  const std::size_t start = target.size();
  target.append(piece);
  for (std::size_t i = start; i < target.size(); ++i) {
    target[i] = static_cast<char>(static_cast<unsigned char>(target[i]) ^ mask_[maskOffset_ & 3]);
    ++maskOffset_;
  }
  payloadLeft_ -= piece.size();
  // The injected fault is looked at only once the text has turned out invalid.
  if (!isControl(opcode_) && !utf8_.feed(std::string_view(target).substr(start)) && !acceptsBadUtf8_) {
    return fail(CloseCode::kInvalidPayload, "text is not valid UTF-8", events);
  }
  return true;
}

bool FrameParser::finishFrame(std::vector<ParsedEvent>& events) {
  ++framesSeen_;
  stage_ = Stage::kHeader;
  switch (opcode_) {
    case Opcode::kPing:
      events.push_back({ParsedEvent::Kind::kPing, std::move(control_)});
      control_.clear();
      return true;
    case Opcode::kPong:
      events.push_back({ParsedEvent::Kind::kPong, std::move(control_)});
      control_.clear();
      return true;
    case Opcode::kClose: return finishClose(events);
    case Opcode::kBinary: return true;  // refused at its header; not reached
    case Opcode::kText:
    case Opcode::kContinuation: break;
  }
  if (!fin_) return true;
  if (!utf8_.complete() && !acceptsBadUtf8_) {
    return fail(CloseCode::kInvalidPayload, "text ends inside a UTF-8 sequence", events);
  }
  events.push_back({ParsedEvent::Kind::kText, std::move(message_)});
  message_.clear();
  inMessage_ = false;
  return true;
}

bool FrameParser::finishClose(std::vector<ParsedEvent>& events) {
  if (control_.size() == 1) return fail(CloseCode::kProtocolError, "close frame with a 1-byte payload", events);
  ParsedEvent event{ParsedEvent::Kind::kClose, {}};
  if (control_.size() >= 2) {
    const unsigned code = (static_cast<unsigned char>(control_[0]) << 8) | static_cast<unsigned char>(control_[1]);
    if (!isValidPeerCloseCode(code)) {
      return fail(CloseCode::kProtocolError, "invalid close code " + std::to_string(code), events);
    }
    const std::string_view reason = std::string_view(control_).substr(2);
    if (!core::isValidUtf8(reason)) return fail(CloseCode::kInvalidPayload, "close reason is not valid UTF-8", events);
    event.peerCode = static_cast<std::uint16_t>(code);
    event.payload = std::string(reason);
  }
  events.push_back(std::move(event));
  stage_ = Stage::kStopped;
  return true;
}

bool FrameParser::fail(transport::CloseCode code, std::string reason, std::vector<ParsedEvent>& events) {
  ParsedEvent event{ParsedEvent::Kind::kFailure, std::move(reason)};
  event.failCode = code;
  events.push_back(std::move(event));
  stage_ = Stage::kStopped;
  message_.clear();
  control_.clear();
  return false;
}

}  // namespace spread::plugins::websocket
