#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "endpoint.h"
#include "event_loop.h"
#include "tls_stream.h"

namespace spread::bench {

class WsClient;

/// How a client connection ended.
enum class EndKind {
  kConnectFailed,      // TCP connect failed
  kHandshakeRejected,  // the server answered the upgrade with something other than 101
  kServerClose,        // the server sent a close frame (code says why; 1008 = dropped as slow)
  kEof,                // the server closed the TCP connection without a close frame
  kError,              // a socket error or a frame the client cannot accept
};

/// What a WsClient reports, on the loop's thread.
class WsListener {
 public:
  virtual ~WsListener() = default;
  virtual void onOpen(WsClient& client) = 0;
  /// One complete text message; `receivedAtUs` is when the read that completed it ended.
  virtual void onText(WsClient& client, std::string_view text, std::int64_t receivedAtUs) = 0;
  /// The connection is gone; called once, after which the client sends nothing.
  virtual void onEnded(WsClient& client, EndKind kind, int code, const std::string& detail) = 0;
};

/// One client WebSocket on a non-blocking socket in an EventLoop: connect, upgrade
/// (GET endpoint.subscribeTarget), then frames; over TLS first when the endpoint is https. Answers pings and close frames itself.
/// Incoming frames are parsed straight out of a receive buffer shared by every client on
/// the thread, so an idle connection holds no buffer. It can also misbehave on purpose,
/// for `spread-bench churn`: stop reading, flood pings, vanish without a close frame.
/// Not thread-safe.
class WsClient final : public EventHandler {
 public:
  WsClient(EventLoop& loop, const Endpoint& endpoint, WsListener& listener, std::uint32_t id);
  ~WsClient() override;
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  /// Starts connecting. Reports onOpen or onEnded later. Small `limits` make a client
  /// that stops reading (or a server that does) back up quickly.
  void start(SocketLimits limits = {});
  /// Queues a text frame. REQUIRES: open().
  void sendText(std::string_view text);
  /// Queues `count` pings with `payload` (cut to 125 bytes), written in one go.
  /// REQUIRES: open().
  void sendPings(std::string_view payload, std::size_t count);
  /// Starts the closing handshake with `code`. The server's close frame then ends the
  /// client (onEnded with kServerClose) without being answered. REQUIRES: open().
  void sendClose(std::uint16_t code);
  /// Stops reading: the socket is then watched only for writing and for a hang-up, and
  /// what the server sends waits in the kernel. A hang-up resumes reading by itself, so
  /// the end of the connection is still seen and reported.
  void pauseReading();
  void resumeReading();
  /// Closes the socket without ceremony (end of a run). No callback follows.
  void abandon();
  /// Closes the socket without a close frame, as a client that crashed or lost its
  /// network would: with a RST when `reset`, else with a FIN. No callback follows.
  void vanish(bool reset);

  void onEvents(std::uint32_t events) override;

  std::uint32_t id() const { return id_; }
  bool open() const { return state_ == State::kOpen; }
  bool reading() const { return reading_; }
  bool ended() const { return state_ == State::kEnded; }
  std::int64_t startedAtUs() const { return startedAtUs_; }
  std::int64_t openedAtUs() const { return openedAtUs_; }
  std::size_t unsentBytes() const { return out_.size(); }

 private:
  enum class State { kIdle, kConnecting, kTlsHandshaking, kHandshaking, kOpen, kEnded };

  void finishConnect();
  void continueTls();
  void sendUpgrade();
  // read(2) and send(2), or their TLS equivalents.
  ssize_t receive(char* into, std::size_t size);
  ssize_t transmit(const char* from, std::size_t size);
  void readHandshake();
  void readFrames();
  // Parses frames from `data`; returns how many bytes it consumed, or npos once ended.
  std::size_t handleFrames(std::string_view data, std::int64_t receivedAtUs);
  void flush();
  void updateInterest();
  void end(EndKind kind, int code, const std::string& detail);
  std::uint32_t nextMask();

  EventLoop& loop_;
  const Endpoint& endpoint_;
  WsListener& listener_;
  const std::uint32_t id_;
  int fd_ = -1;
  State state_ = State::kIdle;
  bool reading_ = true;
  bool closeSent_ = false;
  std::uint32_t interest_ = 0;  // the epoll events registered for fd_
  std::uint32_t maskState_;
  std::int64_t startedAtUs_ = 0;
  std::int64_t openedAtUs_ = 0;
  std::string out_;        // bytes not yet written
  std::string in_;         // an incomplete frame or handshake, carried to the next read
  std::string fragments_;  // a fragmented text message being reassembled
  std::unique_ptr<TlsStream> tls_;
};

}  // namespace spread::bench
