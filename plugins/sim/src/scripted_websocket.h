#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "client_wire.h"
#include "client_world.h"
#include "spread/core/message.h"
#include "spread/transport/close_code.h"

namespace spread::plugins::sim {

/// One scripted client's WebSocket, spoken in bytes to the server's real stack over the
/// in-memory network: it sends a real upgrade request and masked frames, and reads the
/// server's answer and frames with its own strict codec (client_wire.h), one frame at a
/// time at its reading pace. What it reads only leaves the network when it reads it, so a
/// client that stalls fills its receive window, then the server's send window, and the
/// session above stops handing over messages — as with a socket.
///
/// It tells the observer what the client experiences: the upgrade refused, each message
/// and error text read, the end. The server's side reports (sent, close requested) come
/// from the stack through the transport, which passes the ones the client needs here: a
/// text frame is matched, first in first out, against what the session handed over, so a
/// frame the session never sent, or bytes that differ, is a wire violation.
///
/// Single-threaded, on the executor's thread.
class ScriptedWebSocket : public std::enable_shared_from_this<ScriptedWebSocket> {
 public:
  ScriptedWebSocket(ConnectionId id, int handle, LinkOptions link, ClientWorld& world);
  ~ScriptedWebSocket();

  /// Sends the upgrade request for GET /subscribe?topic=`topic`, with `token` as a bearer
  /// token if there is one.
  /// `query`: what follows the topic in the request target ("&last=5"), or empty.
  void open(const std::string& topic, const std::string& token = {}, const std::string& query = {});

  // The client's actions.
  /// A text frame: a publish to the connection's topic.
  void sendText(const std::string& text);
  void setReading(bool reading);
  void setReadInterval(core::Duration interval);
  /// Sends a close frame 1000 and takes no more interest in what arrives.
  void leave();
  /// Vanishes without a word (what a browser reports as 1006).
  void cut();

  // What the server's stack reported about this connection.
  void serverSent(const core::MessagePtr& message);
  void serverSentText(std::string_view text);
  void serverCloseRequested(transport::CloseCode code, std::string_view reason);

  int handle() const { return handle_; }
  /// The client has ended (or was refused), and the server has closed its side.
  bool finished() const;
  LinkState state() const;

 private:
  // What the session handed over, in the order it goes on the wire.
  struct Sent {
    core::MessagePtr message;  // null for a text of the session's own
    std::string text;
  };

  void arrived();
  void readHandshake();
  /// Reads frames while the client is reading and its pace allows.
  void readFrames();
  void scheduleRead(core::TimePoint due);
  /// Takes one whole frame off the network and acts on it; false if none is whole yet.
  bool readOne();
  /// The next whole frame, if it has arrived, not yet taken off the network; reports a
  /// violation and gives nothing if the bytes break the rules.
  std::optional<ServerFrame> peekFrame();
  /// Acts on `frame`; false once the client stops reading (it read the close).
  bool readFrame(const ServerFrame& frame);
  void readText(std::string_view payload);
  void noticeEnd();
  void wireViolation(const std::string& problem);
  void end(ConnectionEnd end);
  std::array<unsigned char, 4> maskKey();

  const ConnectionId id_;
  const int handle_;
  LinkOptions link_;
  ClientWorld& world_;

  std::string answer_;  // the server's answer to the upgrade request, until it is whole
  std::string partial_;   // the start of a frame taken off the network, until it is whole
  std::string gathered_;  // the payload of the last frame gathered in partial_
  bool upgraded_ = false;
  bool reading_ = true;
  std::optional<core::TimePoint> lastReadAt_;  // none until the first frame is read
  core::TimerId readTimer_ = core::TimerId::kNone;
  std::uint64_t messagesRead_ = 0;
  bool dropNextRead_ = false;  // the drop-after-resume bug
  std::deque<Sent> sent_;
  std::optional<std::pair<transport::CloseCode, std::string>> closeRequested_;
  bool ended_ = false;        // the client is done (or silently gave up, lost-close)
  bool endReported_ = false;  // the observer was told
  bool closeRead_ = false;   // the server's close frame was read
  transport::CloseCode closeReadCode_ = transport::CloseCode::kNormal;
  bool released_ = false;
};

}  // namespace spread::plugins::sim
