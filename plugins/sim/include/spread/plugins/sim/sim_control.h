#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <typeinfo>

#include "spread/core/message.h"
#include "spread/core/time.h"
#include "spread/transport/close_code.h"
#include "spread/transport/publish_service.h"

namespace spread::plugins::sim {

/// Names one simulated connection: one client's WebSocket to one topic. Ids start at 1,
/// are handed out in connect() order and never reused, so a run names them the same way
/// every time.
using ConnectionId = std::uint32_t;

/// How one simulated client's network link behaves.
struct LinkOptions {
  /// One-way delay of every byte, in both directions.
  core::Duration latency = std::chrono::milliseconds(1);
  /// Extra delay per server write, drawn from [0, jitter]. Bytes still arrive
  /// in order, as on one TCP stream.
  core::Duration jitter{};
  /// The client's receive window: bytes in flight plus bytes arrived but not yet read.
  /// The server cannot write more, so a client that stops reading fills it.
  std::size_t windowBytes = 64 * 1024;
  /// Time the client takes to read one frame; zero reads each frame as it arrives.
  core::Duration readInterval{};
};

struct ConnectRequest {
  std::string client;  // who is connecting, for the observer's benefit
  std::string topic;   // GET /subscribe?topic=<topic>
  std::size_t queueMessagesMax = 256;
  LinkOptions link;
  std::string token;   // sent as `Authorization: Bearer <token>` when not empty
  std::string query;   // more of the query after the topic ("&since=3&epoch=…"), or empty
};

enum class ClosedBy { kServer, kClient };

/// How a connection ended, as the client experienced it.
struct ConnectionEnd {
  ClosedBy by = ClosedBy::kServer;
  transport::CloseCode code = transport::CloseCode::kNormal;
  std::string reason;
  /// For server closes: true when the client read the close frame, false when the link was
  /// cut first (the close timeout, or the transport's stop deadline).
  bool frameRead = false;
};

/// What the simulated transport reports to the harness. Every call happens on the
/// executor's thread, sometimes while a Session holds its lock: an observer must only
/// record, never call back into the transport or a session.
class SimObserver {
 public:
  virtual ~SimObserver();

  /// The upgrade request reached the server and a session is about to start (and
  /// subscribe). `id` is 0 for a byte-level client's (openStream) session.
  virtual void onOpened(ConnectionId id) = 0;
  /// Session::start() returned (it may already have closed the connection).
  virtual void onStarted(ConnectionId id) = 0;
  /// The upgrade was refused with an HTTP status (503 while draining).
  virtual void onRefused(ConnectionId id, int httpStatus) = 0;
  /// The client read bytes that break RFC 6455 or what Spread promises on the wire (see
  /// readServerFrame), or a text frame other than the one the session handed over next.
  /// The client then cuts the connection.
  virtual void onWireViolation(ConnectionId id, std::string_view problem) = 0;
  /// The session handed `message` to the connection.
  virtual void onSent(ConnectionId id, const core::MessagePtr& message) = 0;
  /// The client application read `message`.
  virtual void onRead(ConnectionId id, const core::MessagePtr& message) = 0;
  /// The client read a text frame the session made itself (an error report).
  virtual void onTextRead(ConnectionId id, std::string_view text) = 0;
  /// Connection::close() was called; reported for every call, even repeated ones.
  virtual void onCloseRequested(ConnectionId id, transport::CloseCode code, std::string_view reason) = 0;
  /// The connection ended for the client. A correct transport reports this once per
  /// connection.
  virtual void onEnded(ConnectionId id, const ConnectionEnd& end) = 0;
  /// A POST /publish made with post() was answered.
  virtual void onPublishAnswered(std::uint64_t requestId, const transport::PublishResult& result) = 0;
};

/// Where the link of one connection stands, for invariant checks.
struct LinkState {
  bool known = false;
  bool ended = false;
  std::size_t windowUsedBytes = 0;  // what the server wrote and the client has not read
  std::size_t windowBytes = 0;
};

/// The simulator's handle on the simulated transport: what clients and their network do.
/// The plugin's transport class implements it next to transport::Transport; the harness
/// gets it with dynamic_cast from the loaded Transport. Its type information lives in
/// libspread_sim_control.so, which both sides link, so that cast works across the
/// plugin boundary.
///
/// REQUIRES: every call on the executor's thread (between tasks or from inside one), after
/// start(). None of them runs a session method inline: client actions travel as tasks.
class SimControl {
 public:
  virtual ~SimControl();

  /// `observer` must outlive the transport; null stops reports.
  virtual void setObserver(SimObserver* observer) = 0;
  /// Seeds the link jitter. The same seed gives the same delays.
  virtual void setSeed(std::uint64_t seed) = 0;
  /// Switches on a deliberate bug, for tests of the harness's checks. Returns false for
  /// an unknown name. Never used outside tests.
  virtual bool injectBug(std::string_view name) = 0;

  /// The client opens GET /subscribe?topic=... with a real upgrade request to the
  /// WebSocket transport's stack (as openStream's clients do), and from then on speaks and
  /// reads RFC 6455 frames; the request reaches the server one latency later.
  virtual ConnectionId connect(ConnectRequest request) = 0;
  /// The client sends a text frame (a publish to the connection's topic).
  virtual void sendText(ConnectionId id, std::string text) = 0;
  /// A client POSTs /publish?topic=<topic> on a connection of its own; it reaches the
  /// server `latency` later, and the answer is reported with the returned request id. A
  /// `token` goes as `Authorization: Bearer <token>` when not empty.
  virtual std::uint64_t post(std::string topic, std::string body, core::Duration latency, std::string token = {}) = 0;
  /// The client stops reading (a stalled reader) or resumes.
  virtual void setReading(ConnectionId id, bool reading) = 0;
  virtual void setReadInterval(ConnectionId id, core::Duration interval) = 0;
  /// The client closes cleanly (close frame 1000).
  virtual void leave(ConnectionId id) = 0;
  /// The client vanishes without a word (what a browser reports as 1006).
  virtual void cut(ConnectionId id) = 0;

  /// A byte-level client: opens a connection to the server's real protocol stack (the
  /// WebSocket transport's HTTP parser and routes, WebSocket codec, queues and timeouts,
  /// on the in-memory network and this run's virtual time), with `link`'s latency and
  /// receive window. Returns the stream's handle; what the client says and hears is
  /// bytes, exactly as on a socket.
  virtual int openStream(const LinkOptions& link) = 0;
  /// The client sends `bytes`; they reach the server one latency later.
  virtual void streamSend(int stream, std::string bytes) = 0;
  /// Takes what has reached the client so far, opening its receive window.
  virtual std::string streamTake(int stream) = 0;
  /// The server has ended the stream (a close, or a half-close after its last answer).
  virtual bool streamEnded(int stream) const = 0;

  virtual LinkState linkState(ConnectionId id) const = 0;
  /// Moves into `out` (cleared first) the connections whose link took more bytes since the
  /// last call, each at least once: the only links whose receive window can have filled
  /// past its bound, so a checker need look at no other.
  virtual void takeGrownLinks(std::vector<ConnectionId>& out) = 0;
  /// typeid(SimControl) as the plugin sees it, so a test can prove both sides share one.
  virtual const std::type_info& controlTypeSeenByPlugin() const = 0;
};

}  // namespace spread::plugins::sim
