#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "spread/core/clock.h"
#include "spread/core/compact_mutex.h"
#include "spread/core/executor.h"
#include "spread/core/queue_subscriber.h"
#include "spread/core/topic_registry.h"
#include "spread/transport/auth/grant.h"
#include "spread/transport/connection.h"
#include "spread/transport/metrics.h"
#include "spread/transport/presence.h"
#include "spread/transport/publish_service.h"
#include "spread/transport/session_options.h"
#include "spread/transport/token_bucket.h"
#include "spread/transport/transport.h"

namespace spread::transport {

/// The transport-agnostic life of one subscribed client: its bounded queue in the core,
/// flow control toward its Connection, keepalive and idle timeout, client publishes, and
/// how it ends. Plugins are thin adapters that feed it I/O events; the simulator feeds it
/// the same events on virtual time, so both run this exact logic.
///
/// start() may be called on any thread, before the session has had any other event (a
/// transport starts it where it accepts the client, so that the client is subscribed before
/// it is told its socket is open). Every other method must be called on the context's
/// executor (plugins post I/O events there).
/// Methods are serialised by a per-session lock, so a multi-threaded executor may run two
/// of them at once for one session. The Connection must never call back into the session
/// from inside one of its own methods: it posts events instead.
/// A session ends exactly once, telling its Connection why through close() — except after
/// onDisconnected(), when there is nobody left to tell.
///
/// A client's publishes go to its topic in the order it sent them. At most
/// kPublishesWaitingMax of them wait for room in a busy topic at once; the ones behind those
/// are held here, and while any is held the session holds its connection's reading
/// (Connection::holdReading), so a client that sends faster than the topic admits is slowed
/// by TCP rather than refused. Each publish may wait options.publishWaitMax from the moment
/// it arrived, held or not; past that it is refused with an error message.
///
/// What a client may make the session hold is bounded: its publishes are rate limited
/// (options.publishesPerSecond, then Connection::admitPublish(); over either, an error
/// message and then 1008); held publishes are bounded by heldBytesMax() (what a connection
/// can have read before the hold took effect; more are refused with an error message); and
/// an error reply that would go to a connection already holding a send window's worth of
/// unread bytes ends the session with 1008 instead, so a client that provokes replies and
/// never reads them cannot grow them.
///
/// A session opened with a token's Grant (auth.mode = jwt) publishes only where the grant
/// allows and under its subject's name, and ends with 1008 "token expired" when the token
/// does. Before then the client may send {"token":"…"}: a fresh token for the same subject
/// that still allows the topic replaces the grant (answered {"token":"accepted"}); a
/// refused one is answered with an error message and changes nothing.
///
/// With a presence in the context (TransportContext::presence), a started session is a member
/// of its topic's presence under the name it was given, until it ends however it ends. One
/// that asked for events receives the presence's frames through its queue, like messages:
/// they count against the queue's bounds, and one that does not fit drops the session as a
/// slow consumer.
///
/// The first frame a client that asked for history gets (Session::create's `from`):
/// {"resume":"ok","epoch":"<hex>","offset":L,"replayed":K} when what it asked for is
/// replayed (K messages, then live ones after offset L), or
/// {"resume":"impossible","reason":"epoch changed","epoch":"<hex>","offset":L} when a resume
/// after an offset could not be served; it then receives live messages after L.
std::string resumeJson(const core::SubscribeResult& result);
class Session : public std::enable_shared_from_this<Session> {
 public:
  enum class State { kNew, kOpen, kClosing, kClosed };

  /// Publishes from the client that may wait for room in a busy topic at once.
  static constexpr std::size_t kPublishesWaitingMax = 4;
  /// What a held publish counts besides its text, as the WebSocket connection counts it.
  static constexpr std::size_t kHeldPublishOverheadBytes = 64;
  /// The most the held publishes may count: a message being read when the hold came, plus
  /// one 64 KiB read of the smallest frames (6 bytes each, so 64 KiB counts about 700 KiB).
  static std::size_t heldBytesMax(const SessionOptions& options) {
    return options.messageBytesMax + 768 * 1024;
  }

  /// `context`: what its transport was started with (the session reads its broker, clock,
  /// executor, metrics, publisher and session options); it must outlive the session.
  /// `grant`: what the client's token allows, already checked for subscribing to `topic`;
  /// null when tokens are not in use.
  /// `from`: where the subscription starts (history: the last N, or after an offset). A
  /// client that asked for either is first sent one text frame saying how it went (see
  /// resumeJson()), before any message; one that asked for neither gets no such frame.
  /// `presence`: the name to be listed under and whether to receive presence frames.
  static std::shared_ptr<Session> create(TransportContext& context, std::shared_ptr<Connection> connection,
                                         std::string topic, std::unique_ptr<auth::Grant> grant = nullptr,
                                         core::SubscribeFrom from = {}, PresenceAsk presence = {});
  ~Session();

  /// Subscribes to the topic and starts the keepalive. If the topic can't be had (too
  /// many topics, shutting down) the connection is closed with a reason instead.
  void start();

  /// A complete text message from the client: a publish to this session's topic. A bad
  /// one is answered with an error message; the connection stays up.
  void onText(std::string text);

  /// Any sign of life from the client (a frame, a pong). Resets the idle timeout.
  void onHeard();

  /// The connection's queue drained below the send window: more can be handed over.
  void onWritable();

  /// The client started the closing handshake, or the connection failed or vanished.
  /// Unsubscribes and stops timers. Idempotent.
  void onDisconnected();

  /// Ends the session now, sending `code` and `reason` (a protocol error found by the
  /// plugin, a forced close at the shutdown deadline). Idempotent.
  void closeWith(CloseCode code, std::string_view reason);

  State state() const;
  const std::string& topic() const { return topic_; }
  /// Why the session ended, once it has.
  std::optional<CloseCode> closeCode() const;

 private:
  Session(TransportContext& context, std::shared_ptr<Connection> connection, std::string topic,
          std::unique_ptr<auth::Grant> grant, core::SubscribeFrom from, PresenceAsk presence);
  // Lets create() allocate the session and its control block together (make_shared cannot
  // call a private constructor itself).
  struct Allocated;

  // Holds mutex_; on release, pumps the session if a wakeup found the lock held and the
  // executor refused its task (see the wakeup in start()).
  class Guard;
  // Pumps if a refused wakeup is owed and the lock is free; the holder, if any, pumps on release.
  void pumpIfOwed();

  // The *Locked methods REQUIRE mutex_ held.
  void pumpLocked();
  void schedulePingLocked();
  void onPingTimer();
  /// Ends the session when the grant's token expires, if it does; replaces any earlier timer.
  /// REQUIRES: token_.
  void scheduleExpiryLocked();
  void cancelExpiryLocked();
  /// A client's {"token":"…"}: replaces the grant, or says why not.
  void refreshTokenLocked(std::string_view token);
  void endLocked(CloseFrame farewell);
  /// Tells the client why its message was refused (or that its fresh token was taken),
  /// unless it has not read what it was already sent: then the session ends with 1008 instead.
  void replyLocked(std::string json);
  /// The session's and the connection's rates; on refusal replies, ends the session and
  /// returns false.
  bool admitPublishLocked();
  /// Hands held publishes to the topic while fewer than kPublishesWaitingMax wait there.
  /// Takes the lock itself; one caller at a time submits, the others leave it the work.
  void submitHeld();
  void onPublished(const PublishResult& result);
  /// Holds the connection's reading exactly while publishes are held and the session is open.
  void updateReadHoldLocked();
  /// Enters the topic's presence, if the context has one. REQUIRES: subscribed.
  void joinPresenceLocked();
  /// Leaves it, once; idempotent.
  void leavePresenceLocked();

  struct HeldPublish {
    std::string text;
    core::TimePoint arrivedAt;
  };

  // Ordered widest first, so that a session (one per connection) carries no padding.
  TransportContext& context_;
  const std::shared_ptr<Connection> connection_;
  const std::string topic_;
  std::shared_ptr<core::QueueSubscriber> queue_;
  // Where the subscription starts; null for live only, the common case, so that a session
  // carries one pointer for it.
  std::unique_ptr<core::SubscribeFrom> from_;
  core::SubscriptionHandle subscription_;
  // In arrival order from heldHead_; freed whenever it empties, so that an idle session
  // holds no allocation for it (a std::deque would allocate a block even when empty).
  std::vector<HeldPublish> held_;
  std::size_t heldBytes_ = 0;
  core::TimePoint lastHeard_{};
  core::TimerId pingTimer_ = core::TimerId::kNone;
  // With tokens in use only, so that a session without one carries a single null pointer.
  struct TokenState {
    auth::Grant grant;
    core::TimerId expiryTimer = core::TimerId::kNone;
  };
  std::unique_ptr<TokenState> token_;
  // Every subscriber is a member, so this costs an idle connection only the id (kept inside
  // the string) and a null pointer: the ask is kept, until the join, only when it says
  // something (a name, or events).
  std::unique_ptr<PresenceAsk> presenceAsk_;
  std::string presenceId_;  // empty until joined and after leaving
  TokenBucket publishes_;
  mutable core::CompactMutex mutex_;
  State state_ = State::kNew;
  std::uint32_t publishesWaiting_ = 0;
  std::uint32_t heldHead_ = 0;
  std::optional<CloseCode> closeCode_;
  bool submitting_ = false;
  bool readingHeld_ = false;
  std::atomic<bool> pumpOwed_{false};
};

}  // namespace spread::transport
