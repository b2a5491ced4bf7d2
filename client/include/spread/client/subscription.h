#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace spread::client {

/// Where a Subscription connects, and its bounds. Every duration must be positive.
struct SubscriptionOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  /// Empty: the server's default topic (broker.defaultTopic).
  std::string topic;
  /// Sent as `Authorization: Bearer <token>` on each connect when not empty.
  std::string token;

  std::chrono::milliseconds connectTimeout{3000};
  /// How long the server may take to answer the upgrade request.
  std::chrono::milliseconds handshakeTimeout{5000};
  /// How long a frame may take to arrive whole once its first byte came, and how long a frame
  /// sent by the client (a pong, a token) may take to go out.
  std::chrono::milliseconds frameTimeout{10000};
  /// How often the client thread looks up from its socket to see whether close() was called,
  /// so close() returns within about this long when connected or waiting to retry.
  std::chrono::milliseconds stopCheckInterval{100};

  /// Reconnecting: the n-th retry in a row waits a random time between half of and the whole of
  /// min(backoffMax, backoffInitial * 2^(n-1)). A connection that opens resets the count.
  std::chrono::milliseconds backoffInitial{100};
  std::chrono::milliseconds backoffMax{10000};
  /// Seeds the jitter, for reproducible delays; 0 seeds it from std::random_device.
  std::uint64_t jitterSeed = 0;

  /// The largest frame accepted from the server, in bytes. A bigger one ends the connection
  /// with close code 1009 (and a retry). The server's own limit is session.messageBytesMax
  /// plus the JSON around it. A message the server splits into fragments is bounded by it as a
  /// whole; reading one holds at most twice this (the message so far and the frame being read).
  int frameBytesMax = 1 << 20;
};

/// One message of the topic.
struct Message {
  std::string name;
  std::string msg;
  /// The text frame as the server sent it, {"name":…,"msg":…}.
  std::string frame;
  /// Its place in the topic, when the server keeps history (history.size): the offset, one
  /// more than the message before it, and the epoch (16 hex digits) of that numbering.
  /// 0 and empty when the frame carries none.
  std::uint64_t offset = 0;
  std::string epoch;
};

/// What happens to the connection, as reported to the event handler.
struct SubscriptionEvent {
  enum class Kind {
    kConnected,      // the upgrade was accepted: the subscription is registered on the server
    kDisconnected,   // an open connection ended: closeCode and reason
    kConnectFailed,  // a connect or upgrade failed: httpStatus (0 if no HTTP answer) and reason
    kRetrying,       // the next connect comes in retryIn
    kStopped,        // no more connects until setToken(): the reason says why (token expired, 401, 403, ...)
    kServerError,    // an error frame ({"error":…}) or a text frame that is not a message; still connected
    kTokenAccepted,  // the server took the token sent by setToken() on the open connection
  };
  explicit SubscriptionEvent(Kind happened) : kind(happened) {}

  Kind kind;
  /// kDisconnected: the code of the server's close frame; 1006 when the connection dropped
  /// without one; 1009 for a frame over frameBytesMax; 1002 for a frame the client cannot read.
  int closeCode = 0;
  /// kConnectFailed and kStopped after a refused upgrade: the HTTP status.
  int httpStatus = 0;
  /// The close reason, the failure, the refusal's reason phrase, or the error frame's text.
  std::string reason;
  /// kRetrying: the delay before the next connect.
  std::chrono::milliseconds retryIn{0};
};

const char* toString(SubscriptionEvent::Kind kind);

/// A subscription to one topic of a spreadd over WebSocket (GET /subscribe), run by a thread
/// of its own that connects, reads, answers pings, and reconnects with exponential backoff and
/// jitter after the connection drops or the server restarts.
///
/// The handlers run on that thread, one call at a time, in the order things happened; nothing
/// is queued in between, so a slow handler slows the reading (and the server drops a subscriber
/// that falls too far behind, with 1008 "too slow to keep up", after which this reconnects).
/// A handler must not throw: one that does ends the program (std::terminate). A handler may call
/// setToken() and close(); close() from a handler returns at once, and the thread ends after the
/// handler returns.
///
/// Reconnecting stops, with a kStopped event, after close 1008 "token expired" and after an
/// upgrade refused with 400, 401, 403 or 404, since repeating the same request cannot succeed;
/// setToken() starts it again. Every other end of a connection is retried without limit.
class Subscription {
 public:
  using MessageHandler = std::function<void(const Message&)>;
  using EventHandler = std::function<void(const SubscriptionEvent&)>;

  /// Starts the thread, which connects at once. Throws std::invalid_argument naming the option
  /// if `options` is unusable, and std::invalid_argument if `onMessage` is empty.
  Subscription(SubscriptionOptions options, MessageHandler onMessage, EventHandler onEvent = {});

  /// close().
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  /// Stops the thread and waits for it: within about stopCheckInterval when connected or
  /// waiting to retry (plus what a handler running at that moment takes), and within connectTimeout + handshakeTimeout while a connect is under
  /// way (Poco's connect cannot be interrupted). Sends a close frame (1000) if connected. No
  /// handler runs after close() returns (unless close() was called from a handler, which then
  /// returns at once). Safe to call more than once, and from any thread.
  void close();

  /// Uses `token` from now on. On an open connection it is also sent to the server as
  /// {"token":…}, which replaces the connection's token before it expires (answered by a
  /// kTokenAccepted event, or a kServerError one saying why not). After kStopped, it starts
  /// connecting again.
  void setToken(std::string token);

 private:
  class Worker;
  std::shared_ptr<Worker> worker_;
};

}  // namespace spread::client
