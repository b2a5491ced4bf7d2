#include "stream_connection.h"

#include <sys/uio.h>

#include <array>
#include <cstdio>
#include <utility>

namespace spread::plugins::websocket {

namespace {

// Pieces gathered into one write; each contributes up to three parts.
constexpr std::size_t kPiecesPerWriteMax = 16;

std::string chunkSize(std::size_t bytes) {
  char text[24];
  const int length = std::snprintf(text, sizeof text, "%zx\r\n", bytes);
  return std::string(text, static_cast<std::size_t>(length));
}

}  // namespace

StreamConnection::StreamConnection(Loop& loop, ServingContext& context, bool chunked)
    : alive_(context.liveConnections), loop_(loop), context_(context), chunked_(chunked) {}

StreamConnection::~StreamConnection() {
  // Dropped before its loop adopted it (the loop was stopping): it still holds its counts.
  if (!socketClosed_) closeSocket();
}

void StreamConnection::attach(ClientSocket socket, std::string head,
                              std::shared_ptr<transport::StreamListener> listener) {
  socket_ = std::move(socket);
  socket_.settleClient();
  handle_ = socket_.handle();
  listener_ = std::move(listener);
  socketClosed_ = false;
  attached_ = true;
  context_.openConnections.add();
  context_.transport.metrics.connectionOpened();
  Piece opening;
  opening.head = std::move(head);
  std::lock_guard lock(mutex_);
  // Before anything the endpoint queued while it was opening.
  bytesQueued_.fetch_add(opening.size() + kPieceOverheadBytes, std::memory_order_relaxed);
  pieces_.push_front(std::move(opening));
}

void StreamConnection::write(std::string bytes) {
  if (bytes.empty()) return;  // an empty chunk would end the body
  Piece piece;
  if (chunked_) {
    piece.head = chunkSize(bytes.size()) + bytes;
    piece.tail = "\r\n";
  } else {
    piece.head = std::move(bytes);
  }
  push(std::move(piece));
}

void StreamConnection::write(std::string prefix, core::MessagePtr message, std::string_view suffix) {
  Piece piece;
  const std::size_t size = prefix.size() + message->bytes().size() + suffix.size();
  piece.head = chunked_ ? chunkSize(size) + prefix : std::move(prefix);
  piece.message = std::move(message);
  piece.tail = suffix;
  if (chunked_) piece.tail += "\r\n";
  push(std::move(piece));
}

void StreamConnection::push(Piece piece) {
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    bytesQueued_.fetch_add(piece.size() + kPieceOverheadBytes, std::memory_order_relaxed);
    pieces_.push_back(std::move(piece));
  }
  wake();
}

void StreamConnection::close() {
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    ended_ = true;
    if (chunked_) {
      Piece last;
      last.head = "0\r\n\r\n";
      bytesQueued_.fetch_add(last.size() + kPieceOverheadBytes, std::memory_order_relaxed);
      pieces_.push_back(std::move(last));
    }
  }
  wake();
}

void StreamConnection::wake() {
  // Before adoption the loop does not know the connection yet; onAdopted() writes what came.
  if (!adopted_.load(std::memory_order_acquire)) return;
  if (!wakeRequested_.exchange(true, std::memory_order_acq_rel)) loop_.requestWrite(shared_from_this());
}

void StreamConnection::onAdopted() {
  adopted_.store(true, std::memory_order_release);
  onWritable();
}

void StreamConnection::onReadable(std::span<char> scratch) {
  if (finished_) return;
  // What the client sends has no meaning here; reading only tells when it leaves.
  const IoResult received = socket_.read(scratch);
  if (!received.done() && received.status != IoResult::Status::kWouldBlock) finished_ = true;
}

void StreamConnection::onWritable() {
  wakeRequested_.store(false, std::memory_order_release);
  if (finished_) return;
  const Flushed flushed = flush();
  if (finished_) return;
  if (flushed.drained && wroteSinceDrained_) {
    wroteSinceDrained_ = false;
    listener_->onDrained();
  }
  if (!flushed.ended) return;
  if (flushed.drained) {
    finished_ = true;  // the body has ended and is all out
  } else if (!deadline_) {
    deadline_ = context_.transport.clock.now() + context_.connection.closeTimeout;
  }
}

StreamConnection::Flushed StreamConnection::flush() {
  std::lock_guard lock(mutex_);
  // Whether the body has ended is read under the same lock as the queue: a close() that
  // lands after the queue was seen empty must not count as written.
  const bool ended = ended_;
  while (!pieces_.empty()) {
    std::array<iovec, kPiecesPerWriteMax * 3> parts{};
    std::size_t count = 0;
    std::size_t pieces = 0;
    for (const Piece& piece : pieces_) {
      if (pieces == kPiecesPerWriteMax) break;
      ++pieces;
      std::size_t skip = piece.written;
      auto add = [&](std::string_view part) {
        if (skip >= part.size()) {
          skip -= part.size();
          return;
        }
        parts[count++] = iovec{const_cast<char*>(part.data()) + skip, part.size() - skip};
        skip = 0;
      };
      add(piece.head);
      if (piece.message) add(piece.message->bytes());
      add(piece.tail);
    }
    const IoResult sent = socket_.write(std::span<const iovec>(parts.data(), count));
    if (sent.status == IoResult::Status::kWouldBlock) {
      writePending_ = true;
      return Flushed{false, ended};
    }
    if (!sent.done()) {
      finished_ = true;  // the client is gone
      return Flushed{false, ended};
    }
    wroteSinceDrained_ = true;
    std::size_t left = sent.bytes;
    while (left > 0 && !pieces_.empty()) {
      Piece& front = pieces_.front();
      const std::size_t remaining = front.size() - front.written;
      if (left < remaining) {
        front.written += left;
        break;
      }
      left -= remaining;
      bytesQueued_.fetch_sub(front.size() + kPieceOverheadBytes, std::memory_order_relaxed);
      pieces_.pop_front();
    }
  }
  writePending_ = false;
  return Flushed{true, ended};
}

void StreamConnection::onDeadline(core::TimePoint now) {
  if (deadline_ && now >= *deadline_) finished_ = true;
}

void StreamConnection::closeSocket() {
  if (socketClosed_) return;
  socketClosed_ = true;
  finished_ = true;
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    pieces_.clear();
    bytesQueued_.store(0, std::memory_order_relaxed);
  }
  if (std::shared_ptr<transport::StreamListener> listener = std::move(listener_)) listener->onGone();
  context_.transport.metrics.connectionClosed();
  context_.openConnections.remove();
  socket_.close();
}

}  // namespace spread::plugins::websocket
