#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace spread::sim {

/// What a byte-level client of the simulator writes and reads on the wire: RFC 6455 frames
/// of its own making out, the server's frames in, and a small reference for what the
/// server must do with the frames it sends. Written here rather than borrowed from the
/// server's codec, so that a bug in that codec cannot hide in the client too.

/// One client frame: FIN (or not), `opcode`, masked with a fixed key (or not), `payload`
/// after a close code when one is given.
std::string encodeClientFrame(int opcode, std::string_view payload, std::optional<int> closeCode, bool fin,
                              bool masked);

/// The close frame the server sent on a stream that upgraded, if any: `received` is
/// everything the client heard on it, the 101 answer first.
struct ServerClose {
  int code = 0;  // 0 when the frame carried none
  std::string reason;
};
std::optional<ServerClose> findServerClose(std::string_view received);

/// What the server sent on a stream that upgraded, up to and including its close frame.
struct HeardFrames {
  std::optional<ServerClose> close;
  std::multiset<std::string> pongs;  // the payload of each pong
};
/// Empty when `received` does not begin with a 101 answer.
HeardFrames scanServerFrames(std::string_view received);

/// A frame the server must answer by failing the connection (RFC 6455 section 7.1.7), and
/// the close code it must fail it with.
struct RequiredClose {
  int code = 0;
  std::string why;  // what is wrong with the frame, for a violation's detail
};

/// The reference for one byte-level stream: what RFC 6455 makes the server do with the
/// frames its client sends after an upgrade request. The first thing sent on the stream
/// must be one upgrade request head (a GET, ending at its blank line, without a body);
/// anything else, or raw bytes after the head, leaves the stream unjudged (the reference
/// does not parse what a hand-written byte string means as frames).
///
/// Required closes: 1002 for a reserved opcode, an unmasked frame, a fragmented or
/// over-125-byte control frame, a continuation with no message to continue or a data frame
/// inside a fragmented message, and a close frame with a 1-byte payload or a code no peer
/// may send; 1007 for text (or a close reason) that is not UTF-8, found as soon as a
/// fragment makes it impossible, or at the end of a message that stops inside a character.
/// Spread's own choices, which RFC 6455 allows: 1003 for a binary message, and 1009 for a
/// message over `messageBytesMax`. After a client's close frame the server reads nothing
/// more, so nothing after it is judged.
class StreamReference {
 public:
  explicit StreamReference(std::size_t messageBytesMax) : messageBytesMax_(messageBytesMax) {}

  /// The client sent raw bytes on the stream.
  void raw(std::string_view bytes);
  /// The client sent a frame (as encodeClientFrame builds it). Returns the close it
  /// requires, the first time a frame requires one; never again after that.
  std::optional<RequiredClose> frame(int opcode, std::string_view payload, std::optional<int> closeCode, bool fin,
                                     bool masked);
  /// The server, by what its client heard, answered a ping sent after the frame that
  /// required a close: it read past that frame. (A pong echoes its ping's payload; one
  /// whose payload only pings sent after that frame carried proves it.)
  bool answeredPingAfterFailure(const HeardFrames& heard) const;

 private:
  enum class Stage { kFresh, kJudging, kFailed, kUnjudged };

  std::optional<RequiredClose> judge(int opcode, const std::string& body, bool fin, bool masked);

  const std::size_t messageBytesMax_;
  Stage stage_ = Stage::kFresh;
  bool inMessage_ = false;   // a text message has begun and not yet ended
  std::string message_;      // its bytes so far
  std::set<std::string> pingsBefore_;  // payloads of pings sent before the failing frame
  std::set<std::string> pingsAfter_;   // and after it
};

}  // namespace spread::sim
