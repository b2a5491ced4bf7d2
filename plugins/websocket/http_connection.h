#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "client_socket.h"
#include "http/http_answer.h"
#include "http/http_request_parser.h"
#include "io/loop.h"
#include "serving_context.h"
#include "spread/transport/publish_service.h"
#include "spread/transport/token_bucket.h"

namespace spread::plugins::websocket {

struct Route;

/// One client's HTTP/1.1 connection on an I/O loop, from its first byte: every request on
/// the public port is parsed by HttpRequestParser and routed by routeRequest(), here and
/// nowhere else. POST /publish is published on the loop and answered from its callback, and
/// GET /presence from the presence's;
/// GET /subscribe upgrades, after which a WebSocketConnection on one of the loops takes the
/// socket over (handedOff()).
///
/// Requests are answered in order, one at a time: while a publish waits for room in its
/// topic, nothing more is read, and answers queued beyond 64 KiB stop reading until the
/// client takes them. A parse error, a refusal that ends the connection, or a client's
/// "Connection: close" is answered, then the connection half-closes and discards input
/// until the client hangs up or closeTimeout passes, so the client reads the answer rather
/// than a reset. A client that half-closes after its requests still gets their answers.
///
/// Deadlines, each for a whole stage rather than per read, so a client trickling bytes
/// gains nothing: a request head must be complete within headerTimeout of its first byte
/// (of the connection's opening, for the first request), a body within bodyTimeout of its
/// head (408 either way, or a silent close if nothing of the request had arrived), and a
/// kept-alive connection may wait idleTimeout for its next request.
///
/// Memory held for the client, at most: the parser's head (headerBytesMax) and body
/// (bodyBytesMax), one read of input past them (the loop's read size), 64 KiB of answers
/// plus the last one queued, and one publish or presence list in flight.
/// Loop-thread only, except for the publish and presence callbacks, which may run on the
/// executor or the presence's thread.
class HttpConnection final : public LoopConnection, public std::enable_shared_from_this<HttpConnection> {
 public:
  struct Options {
    HttpParserLimits limits;
    core::Duration idleTimeout = std::chrono::seconds(30);
    core::Duration headerTimeout = std::chrono::seconds(10);
    core::Duration bodyTimeout = std::chrono::seconds(10);
    core::Duration closeTimeout = std::chrono::seconds(2);
  };

  /// `refusal`: an answer to give at once instead of serving the client (a connection
  /// limit refused it); the connection then ends.
  HttpConnection(ClientSocket socket, Loop& loop, ServingContext& context, Options options,
                 std::optional<HttpAnswer> refusal = std::nullopt);

  /// Keeps `token` until the socket is closed (whoever counts this connection counts it
  /// that long).
  void holdUntilClosed(std::shared_ptr<void> token) { heldUntilClosed_ = std::move(token); }

  int handle() const override { return handle_; }
  void onAdopted() override;
  void onReadable(std::span<char> scratch) override;
  void onWritable() override;
  void onDeadline(core::TimePoint now) override;
  void closeSocket() override;
  void abort() override { finished_ = true; }
  bool wantsRead() const override;
  bool wantsWrite() const override { return writePending_ && !finished_; }
  bool finished() const override { return finished_; }
  std::optional<core::TimePoint> deadline() const override { return deadline_; }
  bool handedOff() const override { return handedOff_; }

 private:
  /// Answers the requests already read, in order, until one must wait.
  void serve();
  /// Notes when the request now arriving began its head or its body, for the deadlines.
  void trackArrival();
  /// Tells a client waiting on "Expect: 100-continue" to send its body.
  void answerExpectContinue();
  void handle(HttpRequest& request);
  void publish(const Route& route, HttpRequest& request);
  /// Hands the socket to a new WebSocket connection, which answers 101.
  void upgrade(Route& route, int versionMinor);
  /// Offers the request to its stream endpoint; accepted, a StreamConnection on one of the
  /// loops takes the socket over, otherwise the endpoint's refusal is answered here.
  void openStream(Route& route, HttpRequest& request);
  /// GET /presence: answered when the presence has read its list.
  void listPresence(HttpRequest& request);
  /// Marks the request being served as answered later, through onLateAnswer().
  void awaitAnswer(const HttpRequest& request);
  /// From whichever thread the topic (or the presence) answers on.
  void onLateAnswer(HttpAnswer answer);
  void takeLateAnswer();
  void respond(const HttpAnswer& answer, bool keepAlive, int versionMinor, bool headOnly = false);
  /// Ends a request that missed its deadline.
  void timeOut(transport::Limit limit, core::Duration allowed, const char* what);
  /// Writes what is queued, then moves on to closing once it is all out.
  void flush();
  void afterFlushed();
  void armNoLaterThan(core::TimePoint at);
  /// From now on the connection only waits for its last answer to go out, and
  /// then for the client to hang up, until `at`.
  void lingerUntil(core::TimePoint at);

  const InFlightCounter::Token alive_;  // first, so released after every other member
  ClientSocket socket_;
  const int handle_;
  Loop& loop_;
  ServingContext& context_;
  const Options options_;
  HttpRequestParser parser_;
  HttpRequest request_;  // the request being answered; its storage is reused for the next
  transport::TokenBucket publishes_;  // this connection's publish rate (session.publishesPerSecond)

  // Loop-thread state.
  std::string out_;
  std::size_t outWritten_ = 0;
  bool writePending_ = false;
  bool awaitingAnswer_ = false;  // a publish or a presence list is in flight; its answer comes next
  bool pendingKeepAlive_ = true;  // the in-flight request's
  int pendingVersionMinor_ = 1;
  bool pendingHeadOnly_ = false;
  bool continueSent_ = false;     // "100 Continue" went out for the request now arriving
  bool closing_ = false;          // the last answer is queued; close once it is out
  bool halfClosed_ = false;
  bool clientDone_ = false;       // the client half-closed: answer what it sent, then end
  bool finished_ = false;
  bool handedOff_ = false;
  core::TimePoint lastActive_;
  std::optional<core::TimePoint> headStartedAt_;  // a request head is arriving (or awaited first)
  std::optional<core::TimePoint> bodyStartedAt_;  // a request body is arriving
  bool headBytesSeen_ = false;  // some byte of the head being awaited has arrived
  std::optional<core::TimePoint> lingerUntil_;  // closing: the end, at the latest
  std::optional<core::TimePoint> deadline_;
  std::shared_ptr<void> heldUntilClosed_;

  // Shared with the publish and presence callbacks.
  std::mutex resultMutex_;
  std::optional<HttpAnswer> result_;
  bool resultWanted_ = false;  // the loop has moved on and must be woken for the result
};

/// The limits and deadlines of an HTTP connection accepted under `config`.
HttpConnection::Options httpOptionsFor(const WebSocketConfig& config);

}  // namespace spread::plugins::websocket
