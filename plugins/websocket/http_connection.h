#pragma once

#include <Poco/Net/StreamSocket.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "http_answer.h"
#include "http_request_parser.h"
#include "loop_connection.h"
#include "route_context.h"
#include "spread/transport/publish_service.h"

namespace spread::plugins::websocket {

class IoLoop;

/// A kept-alive HTTP/1.1 connection served on an I/O loop rather than on a Poco pool
/// thread. A publisher's connection moves here after its first POST /publish (Poco answers
/// that one), so that a stream of publishes costs a read, a publish and a write each,
/// with no thread hand-off. Every route is answered here as Poco's server answers it:
/// POST /publish and the plain routes in place; GET /subscribe upgrades, after which a
/// WebSocketConnection on one of the WebSocket loops takes the socket over (handedOff()).
///
/// Requests are answered in order, one at a time: while a publish waits for room in its
/// topic, nothing more is read. A parse error, a refusal that ends the connection, or a
/// client's "Connection: close" is answered, then the connection half-closes and discards
/// input until the client hangs up or closeTimeout passes, so the client reads the answer
/// rather than a reset. A connection idle for idleTimeout is closed.
/// Loop-thread only, except for the publish callback, which may run on the executor.
class HttpConnection final : public LoopConnection, public std::enable_shared_from_this<HttpConnection> {
 public:
  struct Options {
    HttpParserLimits limits;
    core::Duration idleTimeout = std::chrono::seconds(30);
    core::Duration closeTimeout = std::chrono::seconds(2);
  };

  /// `early`: bytes Poco's server had read past the request it answered.
  HttpConnection(Poco::Net::StreamSocket socket, std::string early, IoLoop& loop, RouteContext& context,
                 Options options);

  int fd() const override { return fd_; }
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
  struct PendingUpgrade {
    std::string topic;
    std::string early;  // what the client sent after its upgrade request
  };

  /// Answers the requests already read, in order, until one must wait.
  void serve();
  /// Tells a client waiting on "Expect: 100-continue" to send its body.
  void answerExpectContinue();
  void handle(HttpRequest& request);
  void publish(HttpRequest& request);
  void upgrade(HttpRequest& request);
  /// From whichever thread the topic answers on.
  void onPublished(transport::PublishResult result);
  void takePublishResult();
  void respond(const HttpAnswer& answer, bool keepAlive, int versionMinor);
  /// Writes what is queued, then moves on to closing or upgrading once it is all out.
  void flush();
  void afterFlushed();

  Poco::Net::StreamSocket socket_;
  const int fd_;
  IoLoop& loop_;
  RouteContext& context_;
  const Options options_;
  HttpRequestParser parser_;
  HttpRequest request_;  // the request being answered; its storage is reused for the next

  // Loop-thread state.
  std::string out_;
  std::size_t outWritten_ = 0;
  bool writePending_ = false;
  bool awaitingPublish_ = false;  // a publish is in flight; its answer comes next
  bool pendingKeepAlive_ = true;  // the in-flight request's
  int pendingVersionMinor_ = 1;
  bool continueSent_ = false;     // "100 Continue" went out for the request now arriving
  bool closing_ = false;          // the last answer is queued; close once it is out
  bool halfClosed_ = false;
  std::optional<PendingUpgrade> upgrade_;
  bool finished_ = false;
  bool handedOff_ = false;
  core::TimePoint lastActive_;
  std::optional<core::TimePoint> deadline_;

  // Shared with the publish callback.
  std::mutex resultMutex_;
  std::optional<transport::PublishResult> result_;
  bool resultWanted_ = false;  // the loop has moved on and must be woken for the result
};

}  // namespace spread::plugins::websocket
