#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "sim_network.h"
#include "spread/transport/connection.h"
#include "spread/transport/session.h"

namespace spread::plugins::sim {

/// One client's WebSocket, simulated end to end: the server's outbound queue (what
/// Connection::bytesQueued() reports), the wire with its latency and jitter, the client's
/// receive window and its reader. A client that stops reading fills its window, then the
/// outbound queue, and the Session above stops handing over messages — as with a socket.
///
/// Every method runs on the executor's thread. Connection methods may be called with the
/// session's lock held, so they never call the session: they post events to it.
class SimConnection final : public transport::Connection, public std::enable_shared_from_this<SimConnection> {
 public:
  using ServerDone = std::function<void(ConnectionId)>;

  SimConnection(ConnectionId id, LinkOptions link, SimNetwork& network, ServerDone serverDone);

  /// Binds the session this connection feeds. Call once, before the session starts.
  void attach(std::weak_ptr<transport::Session> session) { session_ = std::move(session); }

  // transport::Connection
  void send(std::span<const core::MessagePtr> messages) override;
  void sendText(std::string text) override;
  void ping() override;
  void close(transport::CloseCode code, std::string_view reason) override;
  std::size_t bytesQueued() const override { return outboundBytes_; }

  // The client's side.
  /// A text frame from the client; reaches the session one latency later.
  void clientSendText(std::string text);
  void setReading(bool reading);
  void setReadInterval(core::Duration interval);
  /// The client sends a close frame and stops reading.
  void leave();
  /// The client vanishes; the server notices one latency later.
  void cut();
  /// The upgrade was refused: the connection ends before any session existed.
  void refuse(int httpStatus);

  /// The server drops the link now (close timeout, stop deadline). The client sees the
  /// server's close code if one was sent, without having read the close frame.
  void abort();

  bool serverDone() const { return serverDone_; }
  bool clientEnded() const { return clientEnded_; }
  LinkState state() const;

 private:
  struct Frame {
    enum class Kind { kMessage, kText, kPing, kClose } kind;
    core::MessagePtr message;
    std::string text;
    std::size_t bytes = 0;
  };

  void enqueue(Frame frame);
  void pumpWire();
  void arrive(Frame frame);
  void scheduleRead();
  void readOne();
  void endForClient(ConnectionEnd end);
  void postToServer(std::function<void(transport::Session&)> event);
  void serverDisconnected();
  void discardUnread();

  const ConnectionId id_;
  LinkOptions link_;
  SimNetwork& network_;
  ServerDone onServerDone_;
  std::weak_ptr<transport::Session> session_;

  std::deque<Frame> outbound_;
  std::size_t outboundBytes_ = 0;
  std::size_t wireBytes_ = 0;  // in flight plus unread
  std::size_t largestFrameBytes_ = 0;
  core::TimePoint lastArrival_{};
  std::deque<Frame> unread_;
  bool reading_ = true;
  core::TimePoint lastReadAt_{};
  core::TimerId readTimer_ = core::TimerId::kNone;
  std::uint64_t messagesRead_ = 0;
  bool dropNextSend_ = false;  // the drop-after-resume bug

  bool closeRequested_ = false;
  transport::CloseCode closeCode_ = transport::CloseCode::kNormal;
  std::string closeReason_;
  core::TimerId closeTimer_ = core::TimerId::kNone;
  bool clientEnded_ = false;
  bool endReported_ = false;
  bool serverDone_ = false;
};

}  // namespace spread::plugins::sim
