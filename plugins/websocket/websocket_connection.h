#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "client_socket.h"
#include "in_flight_counter.h"
#include "io/loop.h"
#include "serving_context.h"
#include "strand.h"
#include "ws/frame_parser.h"
#include "ws/outbound_queue.h"
#include "spread/core/clock.h"
#include "spread/transport/connection.h"
#include "spread/transport/metrics.h"
#include "spread/transport/session.h"

namespace spread::plugins::websocket {

/// One upgraded WebSocket client: a connection owned by one Loop, the frame
/// parser for what it sends, and the queue of frames going to it. It feeds its Session
/// through a Strand, so every event reaches the session on the executor, in order.
///
/// Two sides with different threading rules:
///  - transport::Connection methods are called by the Session on executor threads. They
///    only queue frames and ask the loop to write; they never block or call the session.
///  - the on*() methods, closeSocket() and the state queries run on the loop's thread.
///
/// Closing: our close frame (from the session, or a protocol failure found here) goes
/// last; once written we close the TCP connection when the peer's close has arrived, and
/// otherwise wait for it up to closeTimeout after the close was queued. After a protocol
/// failure we half-close and discard input until the peer hangs up or the timeout passes,
/// so the peer reads our close frame instead of a reset.
///
/// Bounded memory: everything queued for the client counts against one bound. Messages
/// stop being handed over at the session's send window; pongs are coalesced to one; error
/// replies past the window end the session (1008). Reading stops while that queue is at the
/// window, or while the client's messages not yet taken by its session reach
/// messageBytesMax, so a client that provokes replies and does not read them stops being
/// read; and while the session holds it (its client's publishes wait for a busy topic). At most, this object holds: the send window plus one message, one pong, one close
/// frame, the frame parser's partial message (messageBytesMax), and messageBytesMax plus one
/// read of messages waiting for the session.
class WebSocketConnection final : public transport::Connection,
                                  public LoopConnection,
                                  public std::enable_shared_from_this<WebSocketConnection> {
 public:
  /// `handshakeAnswer`: what the client is owed before any frame (its 101, after answers to
  /// requests it pipelined before the upgrade); written first once the loop adopts this.
  /// `leftover`: bytes read past the upgrade request; parsed first.
  /// Counts itself in context.openConnections and Metrics::connectionOpened until closeSocket().
  WebSocketConnection(ClientSocket socket, std::string handshakeAnswer, std::string leftover, Loop& loop,
                      std::shared_ptr<Strand> strand, ServingContext& context);
  ~WebSocketConnection() override;

  /// Binds the session this connection feeds and starts it on the calling thread, so it has
  /// subscribed before the handshake's answer can go out: a client that has read its 101
  /// is subscribed, and a message published at that moment reaches it.
  /// REQUIRES: called once, before the connection is adopted by its loop.
  void startSession(std::shared_ptr<transport::Session> session);

  // transport::Connection, from executor threads.
  void send(std::span<const core::MessagePtr> messages) override;
  void sendText(std::string text) override;
  void ping() override;
  void close(transport::CloseCode code, std::string_view reason) override;
  std::size_t bytesQueued() const override { return outbound_.bytesQueued(); }
  void holdReading(bool held) override;
  /// The client address's publish rate (transport.websocket.addressPublishesPerSecond).
  std::optional<core::Duration> admitPublish() override;

  // The loop's side, on its thread.
  int handle() const override { return socket_.handle(); }
  void onAdopted() override;
  void onReadable(std::span<char> scratch) override;
  void onWritable() override;
  void onDeadline(core::TimePoint now) override;
  /// Closes the socket now, tells the session, and drops this connection's hold on it.
  /// REQUIRES: the loop has already removed the socket from its poll set.
  void closeSocket() override;
  void abort() override { finished_ = true; }

  bool wantsRead() const override;
  bool wantsWrite() const override { return writePending_ && !finished_; }
  bool finished() const override { return finished_; }
  std::optional<core::TimePoint> deadline() const override { return deadline_; }

 private:
  void consume(std::string_view bytes);
  void settle();
  void requestWrite(bool wake);
  /// Writes what is left of the handshake's answer; true once all of it is out.
  bool writeHandshakeAnswer();
  /// The session took `bytes` of the client's messages; reading resumes if it had stopped.
  void taken(std::size_t bytes);

  const InFlightCounter::Token alive_;  // first, so released after every other member
  ClientSocket socket_;  // settled on its client: peer() is what the address rate counts
  // The handle it was accepted on, kept once the socket has closed: how a ServingObserver
  // names the connection, even for a session's calls after the close.
  const int acceptedHandle_;
  // Until the 101 is out: the client's bytes read past its upgrade request, and what it is
  // owed before any frame. Freed then, so an idle connection holds neither.
  struct Opening {
    std::string leftover;
    std::string answer;
    std::size_t answerWritten = 0;
  };
  std::unique_ptr<Opening> opening_;
  Loop& loop_;
  const std::shared_ptr<Strand> strand_;
  ServingContext& context_;
  std::shared_ptr<transport::Session> session_;
  FrameParser parser_;
  OutboundQueue outbound_;

  // Loop-thread state.
  bool readOpen_ = true;
  bool writePending_ = false;
  bool peerClosed_ = false;
  bool failed_ = false;
  bool closeWritten_ = false;
  bool halfClosed_ = false;
  bool finished_ = false;
  bool socketClosed_ = false;
  std::optional<core::TimePoint> deadline_;

  // Bytes of the client's messages posted to the session and not yet taken by it; written
  // by the loop and the executor.
  std::atomic<std::uint32_t> inboundPending_{0};
  // The session holds reading while its client's publishes wait for a busy topic; set by
  // the executor, read by the loop.
  std::atomic<bool> readingHeld_{false};
  // When the session asked to close (clock ticks), so the close timeout counts from then;
  // kNoCloseRequested until it does. Closes found on the loop count from when it settles.
  static constexpr core::Duration::rep kNoCloseRequested = std::numeric_limits<core::Duration::rep>::min();
  std::atomic<core::Duration::rep> closeRequestedAt_{kNoCloseRequested};
};

}  // namespace spread::plugins::websocket
