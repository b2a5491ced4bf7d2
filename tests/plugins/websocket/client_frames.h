#pragma once

// Test-side WebSocket helpers: frames as a client encodes them (masked, or deliberately
// broken), and a raw socket client that reads server frames with a deadline.
#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ws/frame.h"

namespace spread::plugins::websocket::testing {

struct FrameSpec {
  Opcode opcode = Opcode::kText;
  std::string payload;
  bool fin = true;
  std::uint8_t rsv = 0;  // the three reserved bits, 0-7
  bool masked = true;
};

/// Encodes a client frame with a fixed mask key (or none, when !masked).
std::string clientFrame(const FrameSpec& spec);
inline std::string textFrame(std::string_view text) { return clientFrame({Opcode::kText, std::string(text)}); }

/// A close frame payload: the code in network order followed by `reason`.
std::string closePayload(std::uint16_t code, std::string_view reason = {});

struct ServerFrame {
  Opcode opcode;
  bool fin = true;
  bool masked = false;
  std::string payload;
  /// For close frames: the code (0 if none) and the reason.
  std::uint16_t closeCode() const;
  std::string closeReason() const;
};

/// Parses one server frame from the front of `buffer`, removing it; nullopt if incomplete.
std::optional<ServerFrame> takeServerFrame(std::string& buffer);

/// A client on a plain socket: it does the HTTP upgrade itself and then sends whatever
/// bytes a test wants, valid or not. Every read waits on poll() with a deadline.
class RawClient {
 public:
  /// Connects to 127.0.0.1:`port` and upgrades at `target`. `receiveBufferBytes` > 0
  /// shrinks the socket's receive buffer before connecting (for clients that stall).
  /// `early` is sent in the same write as the upgrade request, before any answer.
  explicit RawClient(std::uint16_t port, const std::string& target = "/subscribe", int receiveBufferBytes = 0,
                     const std::string& early = {});

  /// The HTTP status line and headers the server answered the upgrade with.
  const std::string& handshakeResponse() const { return handshake_; }
  bool upgraded() const { return handshake_.rfind("HTTP/1.1 101", 0) == 0; }

  void send(std::string_view bytes);
  /// The next frame, or nullopt if the server closed the connection or `timeout` passed.
  std::optional<ServerFrame> readFrame(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// The next frame that is not a ping, pong or (when skipText) text frame.
  std::optional<ServerFrame> readUntil(Opcode opcode, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// True if the server closes the TCP connection within `timeout` (any unread frames
  /// before the end are discarded).
  bool waitForEof(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Sends "{}" (not a chat message) and waits for the session's error reply: proof that
  /// the session has started and subscribed.
  bool waitUntilSubscribed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  Poco::Net::StreamSocket& socket() { return socket_; }

 private:
  /// Reads more bytes into buffer_; false on EOF or when `deadline` passes.
  bool fill(std::chrono::steady_clock::time_point deadline);

  Poco::Net::StreamSocket socket_;
  std::string buffer_;
  std::string handshake_;
};

}  // namespace spread::plugins::websocket::testing
