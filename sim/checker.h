#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "spread/core/close_reason.h"
#include "spread/core/message.h"
#include "spread/core/subscriber.h"
#include "spread/plugins/sim/sim_control.h"
#include "wire_client.h"

namespace spread::sim {

using plugins::sim::ConnectionId;

/// The first invariant a run broke.
struct Violation {
  std::string invariant;        // one of the names listed on Checker
  std::string detail;           // a sentence naming the connection, sequence numbers, limits
  ConnectionId connection = 0;  // 0 when no single connection is at fault
};

/// Checks Spread's delivery invariants as the run happens, from what the probe and the
/// simulated transport report; each call checks what it can at once, finish() the rest.
///
///  log-order       a client reads an in-order, duplicate-free subsequence of its topic's
///                  publish log (a topic freed and made again under the same name starts a
///                  new log; a client reads the one it subscribed to)
///  no-loss         a subscriber that is not dropped loses nothing: the topic offers it
///                  every message from its subscription on (checked at every end of the
///                  subscription: by the time it ends, it was offered every message the
///                  topic offered anyone), the session hands over every queued message in
///                  order, the link delivers every one handed over, and a server close
///                  leaves nothing queued unless its kind justifies the loss (see
///                  closeRequested)
///  publisher-order the messages one publisher (a client over HTTP, or one of its
///                  WebSockets) issued to a topic are accepted in the order it issued them,
///                  so every subscriber reads them in that order (those refused aside)
///  new-subscription a subscription is offered exactly the messages its topic accepted after
///                  it was registered: none accepted before, however late their fan-out
///  after-end       nothing is offered, sent or read after unsubscribe, drop or close
///  queue-bound     a session queue never holds more than its bound, nor a receive window
///  drop-justified  a subscriber is refused (and closed 1008) only when its queue is full,
///                  and one whose queue refused a message is closed with 1008 "too slow to
///                  keep up" and nothing else (unless the shutdown deadline came first)
///  close-once      every connection ends exactly once, with a code and a reason
///  wire            every frame a scripted client reads is one RFC 6455 allows a server to
///                  send, in the form Spread promises (unmasked, unfragmented, shortest
///                  length, UTF-8 text, a sendable close code), and each text frame carries
///                  exactly what its session handed over next
///  shutdown-grace  shutdown completes within its grace period, with nothing left open
///  no-exception    no executor task lets an exception escape
///  no-refused-task the executor refuses no task or timer: the simulated network and the
///                  scenario post without checking each answer, and this is where a
///                  refusal (a lost event) is caught
///  protocol-close  a byte-level client that sends, after its upgrade request, a frame
///                  RFC 6455 makes the server fail (StreamReference in wire_client.h says
///                  which and with what code: 1002, 1003, 1007 or 1009) hears a close frame
///                  with that code, and its stream ends. The server may have said goodbye
///                  for its own reasons (a shutdown, an idle timeout, a policy) before it
///                  read that frame, which the client cannot see; so a close with one of
///                  those codes, or none, breaks it only when the server shows it read past
///                  the frame: it answered a ping sent after it. A close with another
///                  protocol code always does. Checked when the stream ends; finish()
///                  checks that every such stream did
///
/// Only the first violation is kept. Not thread-safe: the simulator is single-threaded.
class Checker {
 public:
  struct QueueBound {
    std::size_t messagesMax = 0;
    std::size_t bytesMax = 0;
  };

  void connected(ConnectionId id, const std::string& topic, QueueBound bound);
  /// The broker made a topic called `topic`: later accepts and subscriptions use a new log.
  void topicCreated(const std::string& topic);
  void subscribed(ConnectionId id, std::uint64_t acceptedBefore);
  /// The subscription replays history: it is owed every message after `offset` instead.
  void startsAfter(ConnectionId id, std::uint64_t offset);
  /// `publisher` issued a publish of `bytes` to `topic` (it may yet be refused).
  void published(const std::string& publisher, const std::string& topic, const std::string& bytes);
  /// `bytes` as published, `sent` as the topic sends them (with its position stamped in,
  /// when history is kept): the log holds what a client must read.
  void accepted(const std::string& topic, std::uint64_t sequence, const std::string& bytes, const std::string& sent);
  void accepted(const std::string& topic, std::uint64_t sequence, const std::string& bytes) {
    accepted(topic, sequence, bytes, bytes);
  }
  void offered(ConnectionId id, const core::MessagePtr& message, core::Delivery outcome);
  void queueEnded(ConnectionId id, core::CloseReason reason, std::uint64_t acceptedNow);
  void sent(ConnectionId id, const core::MessagePtr& message);
  void read(ConnectionId id, const core::MessagePtr& message);
  /// The server asked to close `id` at `at`. Messages still queued are lost then, which
  /// only these justify: a policy close (1008), a protocol or payload error (1002, 1003,
  /// 1007, 1009), an internal error (1011), an idle timeout (1001 "idle timeout"), and any
  /// close once the shutdown's grace period has run out.
  void closeRequested(ConnectionId id, transport::CloseCode code, std::string_view reason,
                      core::TimePoint at = core::TimePoint{});
  void ended(ConnectionId id, const plugins::sim::ConnectionEnd& end);
  void link(ConnectionId id, const plugins::sim::LinkState& state);
  /// The client of `id` read bytes that break `wire`; `problem` says how.
  void wireViolation(ConnectionId id, std::string_view problem);
  /// protocol-close (checker_protocol.cpp). The byte-level client of `stream` sent, after
  /// its upgrade request, a frame the server must fail with `required.code`; only a
  /// stream's first such frame counts.
  void mustClose(int stream, const RequiredClose& required);
  /// The server ended `stream`: its client heard the close frame `close`, if any, and
  /// `readPast` says whether the server answered a ping sent after the frame that required
  /// a close (StreamReference::answeredPingAfterFailure).
  void streamEnded(int stream, const std::optional<ServerClose>& close, bool readPast);
  void shutdownBegan(core::TimePoint at, core::Duration grace);
  void stopped(core::TimePoint at, std::uint64_t connectionsOpen);
  /// The executor's count of exceptions that escaped a task, after each task.
  void escapedExceptions(std::size_t count);
  void refusedTasks(std::uint64_t count);
  /// End-of-run checks: every connection ended, shutdown finished, and the transport's
  /// metrics agree that no connection is open (`connectionsOpenInMetrics`).
  void finish(std::int64_t connectionsOpenInMetrics = 0);

  const std::optional<Violation>& violation() const { return violation_; }
  bool failed() const { return violation_.has_value(); }
  /// Connections that have not ended yet, in id order.
  std::vector<ConnectionId> live() const;
  /// The connection has opened and not yet ended, as far as the reports go.
  bool isLive(ConnectionId id) const;

 private:
  struct Queued {
    std::uint64_t sequence;
    std::size_t bytes;
  };
  // One topic's publish log: bytes by sequence - 1, and how far its fan-out has reached.
  struct Log {
    std::vector<std::string> entries;
    std::uint64_t fannedOut = 0;  // the highest sequence offered to any subscriber
  };

  struct Connection {
    std::string topic;
    std::shared_ptr<Log> log;  // the log of the topic it subscribed to (its fan-out reach too)
    QueueBound bound;
    bool subscribed = false;
    std::uint64_t acceptedBefore = 0;
    std::uint64_t lastOffered = 0;
    std::optional<core::CloseReason> queueEnd;
    bool refusedDelivery = false;  // the queue answered kFull
    std::deque<Queued> queued;     // offered and accepted, not yet handed to the connection
    std::size_t queuedBytes = 0;
    std::deque<std::uint64_t> unread;  // handed to the connection, not yet read
    std::uint64_t lastRead = 0;
    std::optional<transport::CloseCode> closeCode;
    int ends = 0;
    bool endedByClient = false;
  };

  Connection* find(ConnectionId id);
  // At an end of `c`'s subscription: it was offered everything its topic offered anyone.
  void checkOfferedAll(ConnectionId id, const Connection& c, core::CloseReason reason);
  std::shared_ptr<Log>& logOf(const std::string& topic);
  void fail(std::string invariant, ConnectionId id, std::string detail);

  // A publish issued and not yet seen accepted: who issued it, and its place in that
  // publisher's order. Refused ones stay (nothing reports every refusal), which is why a
  // message is only matched when its bytes name one outstanding publish alone.
  struct Issued {
    std::string publisher;
    std::uint64_t index;
  };
  // topic -> bytes -> the publishes of those bytes not yet accepted, oldest first
  std::map<std::string, std::map<std::string, std::deque<Issued>>> outstanding_;
  std::map<std::string, std::uint64_t> issuedBy_;        // publisher + topic -> publishes issued
  std::map<std::string, std::uint64_t> lastAcceptedOf_;  // publisher + topic -> index of its latest accepted

  // A byte-level client's stream, for protocol-close.
  struct Stream {
    std::optional<RequiredClose> required;
    bool ended = false;
  };
  // At finish(): every stream that had to be closed for a bad frame has ended.
  void checkStreamsEnded();

  std::map<ConnectionId, Connection> connections_;
  std::map<int, Stream> streams_;
  std::map<std::string, std::shared_ptr<Log>> logs_;  // topic name -> its current topic's log
  std::optional<core::TimePoint> shutdownDeadline_;
  bool stopped_ = false;
  std::optional<Violation> violation_;
};

}  // namespace spread::sim
