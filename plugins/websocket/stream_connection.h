#pragma once

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "client_socket.h"
#include "in_flight_counter.h"
#include "io/loop.h"
#include "serving_context.h"
#include "spread/transport/stream_endpoint.h"

namespace spread::plugins::websocket {

/// A streaming response (GET /events and other StreamEndpoints), the sibling of
/// WebSocketConnection: it takes the socket over from the HTTP connection once the endpoint
/// has accepted the request, writes the response head, then whatever the endpoint queues,
/// as chunks (HTTP/1.1) or close-delimited (HTTP/1.0). It reads only to notice the peer
/// leaving; anything the client sends is discarded.
///
/// Bounded: the endpoint's Session stops handing over messages at its send window
/// (bytesQueued() counts kPieceOverheadBytes per piece, so tiny pieces bound memory too).
/// After close() the connection ends once everything is written, or closeTimeout after the
/// close was asked for if the client does not read.
/// Counts in openConnections (and so against connectionsMax, per address through its
/// ClientSocket) from attach() until closeSocket(), and is closed on shutdown like a WebSocket.
///
/// StreamSink methods are called from any thread; the LoopConnection side on the loop's.
class StreamConnection final : public transport::StreamSink,
                               public LoopConnection,
                               public std::enable_shared_from_this<StreamConnection> {
 public:
  static constexpr std::size_t kPieceOverheadBytes = 64;

  StreamConnection(Loop& loop, ServingContext& context, bool chunked);
  ~StreamConnection() override;

  /// Takes the socket, with `head` (answers the client is still owed, then this response's
  /// head) to write before any of the body. REQUIRES: once, before the loop adopts it.
  void attach(ClientSocket socket, std::string head, std::shared_ptr<transport::StreamListener> listener);

  // transport::StreamSink, any thread.
  void write(std::string bytes) override;
  void write(std::string prefix, core::MessagePtr message, std::string_view suffix) override;
  std::size_t bytesQueued() const override { return bytesQueued_.load(std::memory_order_relaxed); }
  void close() override;

  // The loop's side.
  int handle() const override { return handle_; }
  void onAdopted() override;
  void onReadable(std::span<char> scratch) override;
  void onWritable() override;
  void onDeadline(core::TimePoint now) override;
  void closeSocket() override;
  void abort() override { finished_ = true; }
  bool wantsRead() const override { return !finished_; }
  bool wantsWrite() const override { return writePending_ && !finished_; }
  bool finished() const override { return finished_; }
  std::optional<core::TimePoint> deadline() const override { return deadline_; }

 private:
  struct Piece {
    std::string head;
    core::MessagePtr message;  // shared bytes between head and tail, or null
    std::string tail;
    std::size_t written = 0;
    std::size_t size() const { return head.size() + (message ? message->bytes().size() : 0) + tail.size(); }
  };
  void push(Piece piece);
  void wake();
  struct Flushed {
    bool drained = false;  // everything queued went out
    bool ended = false;    // close() had been called when the queue was looked at
  };
  /// Writes what the socket takes.
  Flushed flush();

  const InFlightCounter::Token alive_;  // first, so released after every other member
  Loop& loop_;
  ServingContext& context_;
  const bool chunked_;
  ClientSocket socket_;
  int handle_ = -1;
  std::shared_ptr<transport::StreamListener> listener_;

  mutable std::mutex mutex_;  // guards pieces_ and ended_
  std::deque<Piece> pieces_;
  bool ended_ = false;  // close() queued the end of the body; nothing more is taken
  std::atomic<std::size_t> bytesQueued_{0};
  std::atomic<bool> adopted_{false};
  std::atomic<bool> wakeRequested_{false};

  // Loop-thread state.
  bool writePending_ = false;
  bool finished_ = false;
  bool socketClosed_ = true;  // until attach()
  bool attached_ = false;
  bool wroteSinceDrained_ = false;
  std::optional<core::TimePoint> deadline_;
};

}  // namespace spread::plugins::websocket
