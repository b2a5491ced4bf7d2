// Fuzzes FrameParser (RFC 6455 client frames, UTF-8 checks, fragment reassembly): the same
// bytes fed whole and in pieces chosen by the input give the same events; every text
// message is UTF-8 (checked here by a separate decoder) within messageBytesMax; nothing
// follows a close or a failure; a failure carries one of the codes the header lists.
//
// Input: control bytes 0 and 1 set messageBytesMax (1 to 1024); bytes 2 to 7 are the piece
// sizes (fuzz_input.h); the rest is the byte stream a client sent.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "ws/frame.h"
#include "ws/frame_parser.h"

namespace {

using spread::fuzz::check;
using spread::fuzz::FuzzInput;
using spread::plugins::websocket::FrameParser;
using spread::plugins::websocket::kCloseReasonBytesMax;
using spread::plugins::websocket::kControlPayloadMax;
using spread::plugins::websocket::ParsedEvent;
using spread::transport::CloseCode;
using Kind = ParsedEvent::Kind;

constexpr std::size_t kFirstPieceByte = 2;

// RFC 3629 written out by code point ranges, independently of core::Utf8Validator, so
// that a mistake there does not hide here.
bool isUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t point = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if ((lead & 0xE0) == 0xC0) {
      length = 2, point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, point = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      point = (point << 6) | (next & 0x3F);
    }
    const std::uint32_t shortest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (point < shortest || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

bool sameEvent(const ParsedEvent& a, const ParsedEvent& b) {
  return a.kind == b.kind && a.payload == b.payload && a.peerCode == b.peerCode &&
         (a.kind != Kind::kFailure || a.failCode == b.failCode);
}

struct Run {
  std::vector<ParsedEvent> events;
  bool stopped = false;
  std::uint64_t framesSeen = 0;
};

Run parse(const std::vector<std::string_view>& pieces, std::size_t messageBytesMax) {
  FrameParser parser(messageBytesMax);
  Run run;
  for (std::string_view piece : pieces) parser.feed(piece, run.events);
  run.stopped = parser.stopped();
  run.framesSeen = parser.framesSeen();
  return run;
}

void checkEvents(const Run& run, std::size_t messageBytesMax) {
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    const ParsedEvent& event = run.events[i];
    const bool last = i + 1 == run.events.size();
    switch (event.kind) {
      case Kind::kText:
        check(event.payload.size() <= messageBytesMax, "text within messageBytesMax");
        check(isUtf8(event.payload), "text is UTF-8");
        break;
      case Kind::kPing:
      case Kind::kPong: check(event.payload.size() <= kControlPayloadMax, "control payload within 125 bytes"); break;
      case Kind::kClose:
        check(last, "nothing after a close");
        check(event.payload.size() <= kCloseReasonBytesMax, "close reason within 123 bytes");
        check(isUtf8(event.payload), "close reason is UTF-8");
        check(event.peerCode == 0 || (event.peerCode >= 1000 && event.peerCode <= 4999 && event.peerCode != 1005 &&
                                      event.peerCode != 1006 && event.peerCode != 1015),
              "a close code a peer may send");
        check(event.peerCode != 0 || event.payload.empty(), "no reason without a code");
        break;
      case Kind::kFailure:
        check(last, "nothing after a failure");
        check(!event.payload.empty(), "a failure says why");
        check(event.failCode == CloseCode::kProtocolError || event.failCode == CloseCode::kUnsupportedData ||
                  event.failCode == CloseCode::kInvalidPayload || event.failCode == CloseCode::kMessageTooBig,
              "a failure code the header lists (1002, 1003, 1007, 1009)");
        break;
    }
  }
  const bool ended = !run.events.empty() &&
                     (run.events.back().kind == Kind::kClose || run.events.back().kind == Kind::kFailure);
  check(run.stopped == ended, "stopped exactly after a close or a failure");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const FuzzInput input(data, size);
  const std::size_t messageBytesMax = 1 + input.control(0) + 256 * std::size_t{input.control(1) % 4u};

  const Run whole = parse({input.stream()}, messageBytesMax);
  const Run pieces = parse(input.pieces(kFirstPieceByte), messageBytesMax);
  checkEvents(whole, messageBytesMax);
  checkEvents(pieces, messageBytesMax);

  check(whole.events.size() == pieces.events.size(), "same number of events in any chunking");
  for (std::size_t i = 0; i < whole.events.size(); ++i) {
    check(sameEvent(whole.events[i], pieces.events[i]), "same events in any chunking");
  }
  check(whole.framesSeen == pieces.framesSeen, "same frame count in any chunking");
  return 0;
}
