#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ws/frame.h"
#include "spread/core/utf8.h"
#include "spread/transport/close_code.h"

namespace spread::plugins::websocket {

/// One thing the parser completed in a client's byte stream.
struct ParsedEvent {
  enum class Kind {
    kText,     // a whole text message (fragments reassembled); `payload` is its UTF-8 text
    kPing,     // `payload` must be echoed in a pong
    kPong,
    kClose,    // the peer's close: `peerCode` (0 when it sent none) and `payload` its reason
    kFailure,  // the stream broke the protocol: close with `failCode`, `payload` says why
  };
  Kind kind;
  std::string payload;
  std::uint16_t peerCode = 0;
  transport::CloseCode failCode = transport::CloseCode::kProtocolError;
};

/// Incremental RFC 6455 parser for frames a client sends. Feed it bytes as they arrive, in
/// pieces of any size; it keeps at most one partial frame header and the message being
/// reassembled, never more than `messageBytesMax` payload bytes.
///
/// Enforced: client frames are masked; reserved bits are clear; opcodes are known; control
/// frames are unfragmented and at most 125 bytes; continuations follow a started message
/// and no new data frame starts inside one (all 1002); text is UTF-8, checked as it
/// arrives (1007); a message over `messageBytesMax` fails as soon as its frame header says
/// so (1009); binary messages are refused (1003); a close frame has no 1-byte payload, a
/// valid code and a UTF-8 reason (1002).
///
/// After a kClose or kFailure event the parser stops: later input is ignored.
/// Not thread-safe: one connection's I/O thread owns it.
class FrameParser {
 public:
  /// `acceptsBadUtf8` is core::InjectedFaults::parserAcceptsBadUtf8, a deliberate bug for
  /// the simulator's tests: text that is not UTF-8 then passes as text, with no 1007.
  explicit FrameParser(std::size_t messageBytesMax, bool acceptsBadUtf8 = false)
      : messageBytesMax_(messageBytesMax), acceptsBadUtf8_(acceptsBadUtf8) {}

  /// Consumes `bytes`, appending every event it completes to `events`, in stream order.
  void feed(std::string_view bytes, std::vector<ParsedEvent>& events);

  bool stopped() const { return stage_ == Stage::kStopped; }
  /// Complete frames seen so far, of any kind: each one is a sign of life from the client.
  std::uint64_t framesSeen() const { return framesSeen_; }

 private:
  enum class Stage { kHeader, kPayload, kStopped };

  // Each returns false after appending a kFailure event (the parser has then stopped).
  bool parseHeader(std::vector<ParsedEvent>& events);
  bool consumePayload(std::string_view piece, std::vector<ParsedEvent>& events);
  bool finishFrame(std::vector<ParsedEvent>& events);
  bool finishClose(std::vector<ParsedEvent>& events);
  bool fail(transport::CloseCode code, std::string reason, std::vector<ParsedEvent>& events);

  const std::size_t messageBytesMax_;
  const bool acceptsBadUtf8_;
  Stage stage_ = Stage::kHeader;
  std::uint64_t framesSeen_ = 0;

  // The frame being read.
  std::array<unsigned char, 14> header_{};
  std::uint8_t headerSize_ = 0;  // at most 14: one byte, as every idle connection holds one
  Opcode opcode_ = Opcode::kText;
  bool fin_ = false;
  std::array<unsigned char, 4> mask_{};
  std::uint64_t payloadLeft_ = 0;
  std::uint8_t maskOffset_ = 0;  // only its low two bits matter
  std::string control_;  // payload of the control frame being read

  // The text message being reassembled, possibly across fragments.
  bool inMessage_ = false;
  std::string message_;
  core::Utf8Validator utf8_;
};

}  // namespace spread::plugins::websocket
