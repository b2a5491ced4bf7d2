#include "http_connection.h"

#include <utility>

#include "http/http_response.h"
#include "http/http_syntax.h"
#include "http_routes.h"
#include "presence_requests.h"
#include "stream_connection.h"
#include "websocket_connection.h"
#include "spread/transport/session.h"

namespace spread::plugins::websocket {

namespace {

using transport::Limit;
using transport::Rejection;

// Answers queued beyond this are not followed by more until the client reads them: a
// client that pipelines requests without reading cannot make the queue grow.
constexpr std::size_t kQueuedAnswerBytesMax = 64 * 1024;

// A WebSocket on `socket`, bound to a new Session on `topic` that has already subscribed,
// ready for `loop` to adopt, which writes `answer` (the 101) first; `from`: where the
// subscription starts. `early`: bytes the
// client sent after its upgrade request.
std::shared_ptr<WebSocketConnection> makeWebSocket(ServingContext& context, ClientSocket socket, std::string answer,
                                                   std::string early, Loop& loop, std::string topic,
                                                   std::unique_ptr<transport::auth::Grant> grant,
                                                   const core::SubscribeFrom& from, transport::PresenceAsk presence) {
  auto strand = std::make_shared<Strand>(context.transport.executor, context.tasks);
  auto connection = std::make_shared<WebSocketConnection>(std::move(socket), std::move(answer), std::move(early),
                                                          loop, std::move(strand), context);
  transport::TransportContext& sessionContext =
      context.observer != nullptr ? context.observer->sessionContext(connection->handle(), context.transport)
                                  : context.transport;
  connection->startSession(
      transport::Session::create(sessionContext, connection, std::move(topic), std::move(grant), from,
                                 std::move(presence)));
  return connection;
}

HttpAnswer parseRefusal(transport::Metrics& metrics, const HttpParseError& error) {
  switch (error.status) {
    case 413:
      return HttpAnswer::limitRefusal(metrics, Rejection::kTooLarge, Limit::kBodyBytesMax, 413, error.message,
                                      error.field);
    case 431:
      return HttpAnswer::limitRefusal(metrics, Rejection::kHeadTooLarge, Limit::kHeaderBytesMax, 431, error.message,
                                      error.field);
    default: return HttpAnswer::refusal(metrics, Rejection::kBadRequest, error.status, error.message, error.field);
  }
}

}  // namespace

HttpConnection::HttpConnection(ClientSocket socket, Loop& loop, ServingContext& context, Options options,
                               std::optional<HttpAnswer> refusal)
    : alive_(context.liveConnections),
      socket_(std::move(socket)),
      handle_(socket_.handle()),
      loop_(loop),
      context_(context),
      options_(options),
      parser_(options.limits),
      lastActive_(context.transport.clock.now()),
      // The first request's head is due within headerTimeout of the connection opening.
      headStartedAt_(lastActive_),
      deadline_(lastActive_ + options.headerTimeout) {
  publishes_ = transport::TokenBucket(context.transport.session.publishRate(), lastActive_);
  if (refusal) respond(*refusal, false, 1);
}

void HttpConnection::onAdopted() {
  serve();
  flush();
}

bool HttpConnection::wantsRead() const {
  if (finished_ || clientDone_) return false;
  if (halfClosed_) return true;  // discarding until the client hangs up
  return !closing_ && !awaitingAnswer_ && out_.size() - outWritten_ < kQueuedAnswerBytesMax;
}

void HttpConnection::onReadable(std::span<char> scratch) {
  if (finished_) return;
  const IoResult received = socket_.read(scratch);
  if (received.status == IoResult::Status::kEnded) {
    // The client sent its last byte. It may still be reading (a half-close after its
    // requests, as `nc` or a shell pipe does): what it asked for is answered, then the
    // connection ends.
    clientDone_ = true;
    if (halfClosed_ || (out_.empty() && !awaitingAnswer_)) finished_ = true;
    return;
  }
  if (!received.done()) {
    if (received.status == IoResult::Status::kFailed) finished_ = true;
    return;
  }
  if (halfClosed_ || closing_) return;
  parser_.feed(std::string_view(scratch.data(), received.bytes));
  serve();
  flush();
}

void HttpConnection::onWritable() {
  if (finished_) return;
  if (awaitingAnswer_) takeLateAnswer();
  serve();
  flush();
}

void HttpConnection::serve() {
  while (!closing_ && !handedOff_ && !awaitingAnswer_ && out_.size() - outWritten_ < kQueuedAnswerBytesMax) {
    const HttpRequestParser::Status status = parser_.next(request_);
    if (status == HttpRequestParser::Status::kNeedMore) {
      trackArrival();
      return answerExpectContinue();
    }
    lastActive_ = context_.transport.clock.now();
    // Usually a no-op: the deadline armed is earlier. It matters when the idle timeout is
    // shorter than the head's, and costs the loop's deadline set one entry per firing.
    armNoLaterThan(lastActive_ + options_.idleTimeout);
    continueSent_ = false;
    headStartedAt_.reset();
    bodyStartedAt_.reset();
    headBytesSeen_ = false;
    if (status == HttpRequestParser::Status::kError) {
      return respond(parseRefusal(context_.transport.metrics, parser_.error()), false, 1);
    }
    handle(request_);
  }
}

void HttpConnection::trackArrival() {
  const core::TimePoint now = context_.transport.clock.now();
  if (parser_.requestAwaitingBody() != nullptr) {
    if (!bodyStartedAt_) {
      bodyStartedAt_ = now;
      headStartedAt_.reset();
      armNoLaterThan(now + options_.bodyTimeout);
    }
    return;
  }
  if (parser_.buffered() == 0) return;
  headBytesSeen_ = true;
  if (!headStartedAt_) {
    headStartedAt_ = now;
    armNoLaterThan(now + options_.headerTimeout);
  }
}

void HttpConnection::answerExpectContinue() {
  const HttpRequest* arriving = parser_.requestAwaitingBody();
  if (arriving == nullptr || continueSent_ || !arriving->expectsContinue() || !arriving->body.empty()) return;
  out_ += "HTTP/1.1 100 Continue\r\n\r\n";
  continueSent_ = true;
}

void HttpConnection::handle(HttpRequest& request) {
  Route route = routeRequest(context_, request, socket_, publishes_);
  switch (route.kind) {
    case Route::Kind::kAnswer:
      return respond(route.answer, request.keepAlive(), request.versionMinor, request.method == "HEAD");
    case Route::Kind::kPublish: return publish(route, request);
    case Route::Kind::kUpgrade: return upgrade(route, request.versionMinor);
    case Route::Kind::kStream: return openStream(route, request);
    case Route::Kind::kPresence: return listPresence(request);
  }
}

void HttpConnection::upgrade(Route& route, int versionMinor) {
  // The socket speaks WebSocket from the next byte the client is sent, so the WebSocket
  // side takes it now, with what this side still owes the client (answers to requests it
  // pipelined before this one) and the 101 to write before any frame. Its session
  // subscribes right here; the loop it is given writes the rest.
  std::string owed = out_.substr(outWritten_);
  appendResponse(owed, route.answer, true, versionMinor);
  out_.clear();
  outWritten_ = 0;
  writePending_ = false;
  Loop& loop = context_.loops.next();
  loop.adopt(makeWebSocket(context_, std::move(socket_), std::move(owed), parser_.takeBuffered(), loop,
                           std::move(route.topic), std::move(route.grant), route.from, std::move(route.presence)));
  // This loop drops the socket from its poll set before it polls again.
  handedOff_ = true;
  finished_ = true;
}

void HttpConnection::openStream(Route& route, HttpRequest& request) {
  Loop& loop = context_.loops.next();
  // HTTP/1.0 has no chunks: its body ends when the connection does.
  const bool chunked = request.versionMinor >= 1;
  auto stream = std::make_shared<StreamConnection>(loop, context_, chunked);
  transport::StreamRequest offered{request.target,
                                   [&request](std::string_view name) { return request.header(name); },
                                   socket_.peer().toString(), std::move(route.topic), std::move(route.grant),
                                   route.from};
  transport::StreamOpening opening = route.stream->open(std::move(offered), stream);
  if (!opening.accepted()) {
    context_.transport.metrics.rejected(Rejection::kBadRequest);
    return respond(HttpAnswer::json(opening.status, std::move(opening.errorJson)), request.keepAlive(),
                   request.versionMinor);
  }
  // Whatever the client pipelined after this request is never answered: the stream is the
  // last response on this connection.
  std::string head = out_.substr(outWritten_);
  head += "HTTP/1.1 200 OK\r\n";
  for (const auto& [name, value] : opening.headers) {
    // Without chunks the end of the connection ends the body: it cannot be kept alive.
    if (!chunked && http_syntax::equalsIgnoreCase(name, "Connection")) continue;
    head += name + ": " + value + "\r\n";
  }
  head += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Connection: close\r\n\r\n";
  out_.clear();
  outWritten_ = 0;
  writePending_ = false;
  stream->attach(std::move(socket_), std::move(head), std::move(opening.listener));
  loop.adopt(std::move(stream));
  handedOff_ = true;
  finished_ = true;
}

void HttpConnection::awaitAnswer(const HttpRequest& request) {
  awaitingAnswer_ = true;
  pendingKeepAlive_ = request.keepAlive();
  pendingVersionMinor_ = request.versionMinor;
  pendingHeadOnly_ = request.method == "HEAD";
}

void HttpConnection::publish(const Route& route, HttpRequest& request) {
  awaitAnswer(request);
  transport::PublishService& publisher = context_.transport.publisher;
  auto reported = [self = shared_from_this()](transport::PublishResult result) {
    HttpAnswer answer;
    if (result.ok()) {
      answer.status = 204;
    } else {
      answer = HttpAnswer::json(result.httpStatus(), result.errorJson());
      // Busy is a moment's overload, not a fault: a client that waits a second finds room.
      if (result.status == transport::PublishResult::Status::kBusy) answer.headers.emplace_back("Retry-After", "1");
    }
    self->onLateAnswer(std::move(answer));
  };
  if (route.grant != nullptr) {
    publisher.publishAs(route.grant->subject, route.topic, request.body, publisher.waitMax(), std::move(reported));
  } else {
    publisher.publish(route.topic, request.body, std::move(reported));
  }
  // Most publishes are answered during the call; the rest arrive through onWritable().
  takeLateAnswer();
}

void HttpConnection::listPresence(HttpRequest& request) {
  awaitAnswer(request);
  answerPresence(context_, request,
                 [self = shared_from_this()](HttpAnswer answer) { self->onLateAnswer(std::move(answer)); });
  // An in-process presence answers during the call; a shared one through onWritable().
  takeLateAnswer();
}

void HttpConnection::onLateAnswer(HttpAnswer answer) {
  bool wake = false;
  {
    std::lock_guard lock(resultMutex_);
    result_ = std::move(answer);
    wake = std::exchange(resultWanted_, false);
  }
  if (wake) loop_.requestWrite(shared_from_this());
}

void HttpConnection::takeLateAnswer() {
  std::optional<HttpAnswer> answer;
  {
    std::lock_guard lock(resultMutex_);
    answer.swap(result_);
    resultWanted_ = !answer;
  }
  if (!answer) return;
  awaitingAnswer_ = false;
  lastActive_ = context_.transport.clock.now();
  respond(*answer, pendingKeepAlive_, pendingVersionMinor_, pendingHeadOnly_);
}

void HttpConnection::respond(const HttpAnswer& answer, bool keepAlive, int versionMinor, bool headOnly) {
  const bool staysOpen = keepAlive && !answer.close;
  appendResponse(out_, answer, staysOpen, versionMinor, headOnly);
  if (!staysOpen && !closing_) {
    closing_ = true;
    // A client that never reads its last answer is not waited for past closeTimeout.
    lingerUntil(context_.transport.clock.now() + options_.closeTimeout);
  }
}

void HttpConnection::timeOut(Limit limit, core::Duration allowed, const char* what) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(allowed).count();
  respond(HttpAnswer::limitRefusal(context_.transport.metrics, Rejection::kTimeout, limit, 408,
                                   std::string(what) + " not complete within " + std::to_string(ms) + " ms"),
          false, 1);
  flush();
}

void HttpConnection::flush() {
  if (finished_) return;
  while (outWritten_ < out_.size()) {
    const IoResult sent = socket_.write(std::string_view(out_).substr(outWritten_));
    if (sent.status == IoResult::Status::kWouldBlock) {
      writePending_ = true;
      return;
    }
    if (!sent.done()) {
      finished_ = true;  // the client is gone
      return;
    }
    outWritten_ += sent.bytes;
  }
  writePending_ = false;
  out_.clear();
  outWritten_ = 0;
  afterFlushed();
}

void HttpConnection::afterFlushed() {
  if (clientDone_ && !closing_ && !awaitingAnswer_) {
    serve();  // requests it pipelined before hanging up that have not been answered yet
    if (out_.empty()) {
      finished_ = true;  // everything it asked for went out, and nothing more can come
    } else {
      writePending_ = true;  // the loop calls onWritable() as soon as the socket takes more
    }
    return;
  }
  if (closing_ && !halfClosed_) {
    socket_.shutdownWrite();
    halfClosed_ = true;
    lingerUntil(context_.transport.clock.now() + options_.closeTimeout);
  }
}

void HttpConnection::armNoLaterThan(core::TimePoint at) {
  if (!deadline_ || at < *deadline_) deadline_ = at;
}

void HttpConnection::lingerUntil(core::TimePoint at) {
  lingerUntil_ = at;
  deadline_ = at;
}

void HttpConnection::onDeadline(core::TimePoint now) {
  // Deadlines are re-armed when they fire rather than on every request, so a busy
  // connection costs the loop's deadline set nothing; a firing that comes early for the
  // present state just arms the next one.
  if (lingerUntil_) {
    if (now >= *lingerUntil_) {
      finished_ = true;  // the client never took its last answer, or never hung up after it
    } else {
      deadline_ = *lingerUntil_;
    }
    return;
  }
  if (awaitingAnswer_) {
    deadline_ = now + options_.idleTimeout;  // not idle: the answer is on the way
    return;
  }
  if (bodyStartedAt_) {
    const core::TimePoint due = *bodyStartedAt_ + options_.bodyTimeout;
    if (now < due) {
      deadline_ = due;
    } else {
      timeOut(Limit::kBodyTimeout, options_.bodyTimeout, "request body");
    }
    return;
  }
  if (headStartedAt_) {
    const core::TimePoint due = *headStartedAt_ + options_.headerTimeout;
    if (now < due) {
      deadline_ = due;
    } else if (headBytesSeen_) {
      timeOut(Limit::kHeaderTimeout, options_.headerTimeout, "request head");
    } else {
      finished_ = true;  // opened and never used: nothing to answer
    }
    return;
  }
  const core::TimePoint idleUntil = lastActive_ + options_.idleTimeout;
  if (now < idleUntil) {
    deadline_ = idleUntil;
  } else {
    finished_ = true;
  }
}

void HttpConnection::closeSocket() {
  finished_ = true;
  socket_.close();
  heldUntilClosed_.reset();
}

HttpConnection::Options httpOptionsFor(const WebSocketConfig& config) {
  HttpConnection::Options http;
  http.limits.headerBytesMax = config.headerBytesMax;
  http.limits.bodyBytesMax = config.bodyBytesMax;
  http.idleTimeout = config.httpIdleTimeout;
  http.headerTimeout = config.headerTimeout;
  http.bodyTimeout = config.bodyTimeout;
  http.closeTimeout = config.closeTimeout;
  return http;
}

}  // namespace spread::plugins::websocket
