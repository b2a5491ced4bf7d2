#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "io/network.h"
#include "ws/frame_writer.h"
#include "spread/core/fifo.h"
#include "spread/core/message.h"
#include "spread/transport/close_code.h"

namespace spread::plugins::websocket {

/// The frames waiting to be written to one socket, in order. Producers (executor threads,
/// and the connection's I/O thread for pongs and closes) push; the I/O thread writes
/// everything queued with one gathering write per call.
///
/// A message's payload is the core's shared bytes: the queue keeps a reference, builds only
/// the frame header, and points an iovec at the payload. The header is built once per
/// queued frame and kept inline; it depends only on the payload size and takes a few
/// instructions, so sharing one across connections would cost more than it saves. After
/// a close frame is queued
/// nothing more is accepted, so the close is always the last frame. Thread-safe.
class OutboundQueue {
 public:
  /// `windowBytes`: above this many queued bytes the owner stops handing over messages;
  /// the queue reports when it falls back below (WriteResult::windowOpened).
  explicit OutboundQueue(std::size_t windowBytes) : windowBytes_(windowBytes) {}

  // Each push returns true when the writer should be woken: the queue had no write
  // request pending. Pushes after the close frame are ignored and return false.
  bool pushMessages(std::span<const core::MessagePtr> messages);
  bool pushFrame(Opcode opcode, std::string payload);
  /// A pong for the client's latest ping. While an earlier pong has not started going out
  /// it is replaced instead of joined (RFC 6455 5.5.3 allows answering only the latest
  /// ping), so a client flooding pings holds at most one pong here.
  bool pushPong(std::string payload);
  bool pushClose(transport::CloseCode code, std::string_view reason);
  /// A close frame with this exact payload: empty, to echo a close that carried no code.
  bool pushClosePayload(std::string payload);

  /// What the queue holds for the client: bytes not yet written, headers included, plus
  /// kFrameOverheadBytes for each frame queued, so that a window of tiny messages bounds
  /// memory as well as a window of large ones.
  std::size_t bytesQueued() const { return bytesQueued_.load(std::memory_order_relaxed); }
  bool closeQueued() const;

  struct WriteResult {
    bool failed = false;        // the connection broke (the peer is gone)
    bool drained = false;       // nothing is left to write
    bool closeWritten = false;  // our close frame has been written completely
    bool windowOpened = false;  // went from at or above the window to below it
  };
  using MessageWritten = std::function<void(const core::Message&)>;

  /// Writes as much as `handle` on `network` takes now, gathering up to kFramesPerWriteMax
  /// frames per write. Calls `written` for each message frame that went out completely.
  /// Clears the pending write request first, so a push during the write asks again.
  /// REQUIRES: called only from the owning I/O thread.
  WriteResult writeTo(Network& network, int handle, const MessageWritten& written);

 private:
  struct Frame {
    FrameHeader header;
    core::MessagePtr message;  // shared payload, or
    std::string owned;         // a payload the server composed
    bool isClose = false;
    std::size_t written = 0;   // bytes of header and payload already sent

    std::string_view payload() const { return message ? std::string_view(message->bytes()) : owned; }
    std::size_t size() const { return header.bytes().size() + payload().size(); }
  };


 public:
  /// The bookkeeping of one queued frame, counted in bytesQueued() beside its bytes.
  static constexpr std::size_t kFrameOverheadBytes = sizeof(Frame);

 private:
  // REQUIRE mutex_ held.
  bool pushLocked(Frame frame);
  void popLocked();
  bool wakeLocked();

  const std::size_t windowBytes_;
  // A std::mutex, not a CompactMutex: sessions and the I/O loop contend for it, and with the
  // server on one core the compact lock raised flat-out fan-out latency 1.6x.
  mutable std::mutex mutex_;
  core::Fifo<Frame> frames_;  // allocates nothing while the connection is idle
  std::atomic<std::size_t> bytesQueued_{0};
  bool closeQueued_ = false;
  bool closeWritten_ = false;
  bool writeRequested_ = false;
  bool overWindow_ = false;
  bool pongQueued_ = false;
  // Frames pushed and popped so far (modulo 2^32), so that the queued pong is found by its
  // position: pong_ is the number pushed_ had when it went in.
  std::uint32_t pushed_ = 0;
  std::uint32_t popped_ = 0;
  std::uint32_t pong_ = 0;
};

}  // namespace spread::plugins::websocket
