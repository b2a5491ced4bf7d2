#include "ws/outbound_queue.h"

#include <sys/uio.h>

#include <array>

namespace spread::plugins::websocket {

namespace {
// Frames gathered into one sendmsg; each takes two iovecs, and Linux allows 1024.
constexpr std::size_t kFramesPerWriteMax = 256;
}  // namespace

bool OutboundQueue::pushMessages(std::span<const core::MessagePtr> messages) {
  std::lock_guard lock(mutex_);
  if (closeQueued_) return false;
  for (const core::MessagePtr& message : messages) {
    Frame frame{FrameHeader(Opcode::kText, message->bytes().size()), message, {}};
    bytesQueued_.fetch_add(frame.size() + kFrameOverheadBytes, std::memory_order_relaxed);
    frames_.push(std::move(frame));
    ++pushed_;
  }
  if (bytesQueued_.load(std::memory_order_relaxed) >= windowBytes_) overWindow_ = true;
  return wakeLocked();
}

bool OutboundQueue::pushPong(std::string payload) {
  std::lock_guard lock(mutex_);
  if (closeQueued_) return false;
  if (pongQueued_) {
    Frame& queued = frames_[static_cast<std::uint32_t>(pong_ - popped_)];
    if (queued.written == 0) {
      const std::size_t before = queued.size();
      queued.header = FrameHeader(Opcode::kPong, payload.size());
      queued.owned = std::move(payload);
      const std::size_t after = queued.size();
      if (after >= before) {
        bytesQueued_.fetch_add(after - before, std::memory_order_relaxed);
      } else {
        bytesQueued_.fetch_sub(before - after, std::memory_order_relaxed);
      }
      return false;  // already queued, so a write is already requested
    }
  }
  const FrameHeader header(Opcode::kPong, payload.size());
  pong_ = pushed_;
  pongQueued_ = true;
  return pushLocked(Frame{header, nullptr, std::move(payload)});
}

bool OutboundQueue::pushFrame(Opcode opcode, std::string payload) {
  std::lock_guard lock(mutex_);
  if (closeQueued_) return false;
  const FrameHeader header(opcode, payload.size());
  return pushLocked(Frame{header, nullptr, std::move(payload)});
}

bool OutboundQueue::pushClose(transport::CloseCode code, std::string_view reason) {
  return pushClosePayload(encodeClosePayload(code, reason));
}

bool OutboundQueue::pushClosePayload(std::string payload) {
  std::lock_guard lock(mutex_);
  if (closeQueued_) return false;
  const FrameHeader header(Opcode::kClose, payload.size());
  Frame frame{header, nullptr, std::move(payload)};
  frame.isClose = true;
  const bool wake = pushLocked(std::move(frame));
  closeQueued_ = true;
  return wake;
}

bool OutboundQueue::closeQueued() const {
  std::lock_guard lock(mutex_);
  return closeQueued_;
}

bool OutboundQueue::pushLocked(Frame frame) {
  bytesQueued_.fetch_add(frame.size() + kFrameOverheadBytes, std::memory_order_relaxed);
  frames_.push(std::move(frame));
  ++pushed_;
  if (bytesQueued_.load(std::memory_order_relaxed) >= windowBytes_) overWindow_ = true;
  return wakeLocked();
}

bool OutboundQueue::wakeLocked() {
  if (writeRequested_) return false;
  writeRequested_ = true;
  return true;
}

void OutboundQueue::popLocked() {
  frames_.pop();
  bytesQueued_.fetch_sub(kFrameOverheadBytes, std::memory_order_relaxed);
  if (pongQueued_ && pong_ == popped_) pongQueued_ = false;
  ++popped_;
}

OutboundQueue::WriteResult OutboundQueue::writeTo(Network& network, int handle, const MessageWritten& written) {
  std::lock_guard lock(mutex_);
  writeRequested_ = false;
  WriteResult result;
  // On the stack: this runs once per socket per wake-up, and a heap vector of this size
  // cost a malloc and a free each time.
  std::array<iovec, 2 * kFramesPerWriteMax> iov;
  while (!frames_.empty()) {
    std::size_t iovCount = 0;
    for (std::size_t i = 0; i < frames_.size() && i < kFramesPerWriteMax; ++i) {
      const Frame& frame = frames_[i];
      std::size_t skip = frame.written;
      for (std::string_view part : {frame.header.bytes(), frame.payload()}) {
        if (skip >= part.size()) {
          skip -= part.size();
          continue;
        }
        iov[iovCount++] = iovec{const_cast<char*>(part.data() + skip), part.size() - skip};
        skip = 0;
      }
    }
    const IoResult sent = network.write(handle, std::span<const iovec>(iov.data(), iovCount));
    if (!sent.done()) {
      result.failed = sent.status == IoResult::Status::kFailed;
      break;
    }
    auto left = sent.bytes;
    bytesQueued_.fetch_sub(left, std::memory_order_relaxed);
    while (left > 0) {
      Frame& frame = frames_.front();
      const std::size_t remaining = frame.size() - frame.written;
      if (left < remaining) {
        frame.written += left;
        break;
      }
      left -= remaining;
      if (frame.message && written) written(*frame.message);
      if (frame.isClose) closeWritten_ = true;
      popLocked();
    }
  }
  result.drained = frames_.empty();
  result.closeWritten = closeWritten_;
  if (overWindow_ && bytesQueued_.load(std::memory_order_relaxed) < windowBytes_) {
    overWindow_ = false;
    result.windowOpened = true;
  }
  return result;
}

}  // namespace spread::plugins::websocket
