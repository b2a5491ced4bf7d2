#include "http_connection.h"

#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "http_response.h"
#include "io_loop.h"
#include "subscribe_handler.h"
#include "topic_query.h"
#include "upgrade_decision.h"

namespace spread::plugins::websocket {

namespace {

using transport::Rejection;

// Answers queued beyond this are not followed by more until the client reads them: a
// client that pipelines requests without reading cannot make the queue grow.
constexpr std::size_t kQueuedAnswerBytesMax = 64 * 1024;

}  // namespace

HttpConnection::HttpConnection(Poco::Net::StreamSocket socket, std::string early, IoLoop& loop,
                               RouteContext& context, Options options)
    : socket_(std::move(socket)),
      fd_(socket_.impl()->sockfd()),
      loop_(loop),
      context_(context),
      options_(options),
      parser_(options.limits),
      lastActive_(context.connections.clock.now()),
      deadline_(lastActive_ + options.idleTimeout) {
  parser_.feed(early);
}

void HttpConnection::onAdopted() {
  serve();
  flush();
}

bool HttpConnection::wantsRead() const {
  if (finished_) return false;
  if (halfClosed_) return true;  // discarding until the client hangs up
  return !closing_ && !upgrade_ && !awaitingPublish_ && out_.size() - outWritten_ < kQueuedAnswerBytesMax;
}

void HttpConnection::onReadable(std::span<char> scratch) {
  if (finished_) return;
  const ssize_t received = ::recv(fd_, scratch.data(), scratch.size(), MSG_DONTWAIT);
  if (received == 0) {
    finished_ = true;  // the client hung up; an answer still queued has no reader
    return;
  }
  if (received < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) finished_ = true;
    return;
  }
  if (halfClosed_) return;
  if (upgrade_) {
    upgrade_->early.append(scratch.data(), static_cast<std::size_t>(received));
    return;
  }
  parser_.feed(std::string_view(scratch.data(), static_cast<std::size_t>(received)));
  serve();
  flush();
}

void HttpConnection::onWritable() {
  if (finished_) return;
  if (awaitingPublish_) takePublishResult();
  serve();
  flush();
}

void HttpConnection::serve() {
  while (!closing_ && !upgrade_ && !awaitingPublish_ && out_.size() - outWritten_ < kQueuedAnswerBytesMax) {
    const HttpRequestParser::Status status = parser_.next(request_);
    if (status == HttpRequestParser::Status::kNeedMore) return answerExpectContinue();
    lastActive_ = context_.connections.clock.now();
    continueSent_ = false;
    if (status == HttpRequestParser::Status::kError) {
      const HttpParseError& error = parser_.error();
      const Rejection why = error.status == 413 ? Rejection::kTooLarge : Rejection::kBadRequest;
      respond(HttpAnswer::refusal(context_.transport.metrics, why, error.status, error.message, error.field), false,
              1);
      return;
    }
    handle(request_);
  }
}

void HttpConnection::answerExpectContinue() {
  const HttpRequest* arriving = parser_.requestAwaitingBody();
  if (arriving == nullptr || continueSent_ || !arriving->expectsContinue() || !arriving->body.empty()) return;
  out_ += "HTTP/1.1 100 Continue\r\n\r\n";
  continueSent_ = true;
}

void HttpConnection::handle(HttpRequest& request) {
  const TargetPath target = readPath(request.target);
  if (target.error) {
    return respond(HttpAnswer::refusal(context_.transport.metrics, Rejection::kBadRequest, 400, *target.error, "path"),
                   request.keepAlive(), request.versionMinor);
  }
  if (target.path == "/publish" && request.method == "POST") return publish(request);
  if (target.path == "/subscribe" && request.method == "GET") return upgrade(request);
  respond(answerPlainRequest(context_, request.method, target.path), request.keepAlive(), request.versionMinor);
}

void HttpConnection::publish(HttpRequest& request) {
  transport::Metrics& metrics = context_.transport.metrics;
  if (context_.isDraining()) {
    // Told to go: a publisher should reconnect, and find another server or the 503 again.
    return respond(HttpAnswer::refusal(metrics, Rejection::kDraining, 503, "the server is shutting down"), false,
                   request.versionMinor);
  }
  TopicQuery query = readTopic(request.target, context_.transport.publisher.defaultTopic());
  if (query.error) {
    return respond(HttpAnswer::refusal(metrics, Rejection::kBadTopic, 400, *query.error, "topic"),
                   request.keepAlive(), request.versionMinor);
  }
  awaitingPublish_ = true;
  pendingKeepAlive_ = request.keepAlive();
  pendingVersionMinor_ = request.versionMinor;
  context_.transport.publisher.publish(query.topic, request.body,
                                       [self = shared_from_this()](transport::PublishResult result) {
                                         self->onPublished(std::move(result));
                                       });
  // Most publishes are answered during the call; the rest arrive through onWritable().
  takePublishResult();
}

void HttpConnection::onPublished(transport::PublishResult result) {
  bool wake = false;
  {
    std::lock_guard lock(resultMutex_);
    result_ = std::move(result);
    wake = std::exchange(resultWanted_, false);
  }
  if (wake) loop_.requestWrite(shared_from_this());
}

void HttpConnection::takePublishResult() {
  std::optional<transport::PublishResult> result;
  {
    std::lock_guard lock(resultMutex_);
    result.swap(result_);
    resultWanted_ = !result;
  }
  if (!result) return;
  awaitingPublish_ = false;
  HttpAnswer answer;
  if (result->ok()) {
    answer.status = 204;
  } else {
    answer = HttpAnswer::json(result->httpStatus(), result->errorJson());
  }
  respond(answer, pendingKeepAlive_, pendingVersionMinor_);
}

void HttpConnection::upgrade(HttpRequest& request) {
  UpgradeDecision decision = decideUpgrade(context_, request.target, [&request](std::string_view name) {
    const std::string* value = request.header(name);
    return value != nullptr ? *value : std::string();
  });
  if (decision.refusal) return respond(*decision.refusal, request.keepAlive(), request.versionMinor);
  HttpAnswer switching;
  switching.status = 101;
  switching.headers = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Accept", decision.accept}};
  respond(switching, true, request.versionMinor);
  upgrade_ = PendingUpgrade{std::move(decision.topic), parser_.takeBuffered()};
}

void HttpConnection::respond(const HttpAnswer& answer, bool keepAlive, int versionMinor) {
  const bool staysOpen = keepAlive && !answer.close;
  appendResponse(out_, answer, staysOpen, versionMinor);
  if (!staysOpen) closing_ = true;
}

void HttpConnection::flush() {
  if (finished_) return;
  while (outWritten_ < out_.size()) {
    const ssize_t sent =
        ::send(fd_, out_.data() + outWritten_, out_.size() - outWritten_, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        writePending_ = true;
        return;
      }
      finished_ = true;  // the client is gone
      return;
    }
    outWritten_ += static_cast<std::size_t>(sent);
  }
  writePending_ = false;
  out_.clear();
  outWritten_ = 0;
  afterFlushed();
}

void HttpConnection::afterFlushed() {
  if (upgrade_) {
    // The 101 is out: from the next byte on, the socket speaks WebSocket, on a WebSocket
    // loop. This loop drops the socket from its poll set before it polls again.
    IoLoop& loop = context_.loops.next();
    loop.adopt(makeWebSocket(context_, socket_, std::move(upgrade_->early), loop, std::move(upgrade_->topic)));
    upgrade_.reset();
    handedOff_ = true;
    finished_ = true;
    return;
  }
  if (closing_ && !halfClosed_) {
    ::shutdown(fd_, SHUT_WR);
    halfClosed_ = true;
    deadline_ = context_.connections.clock.now() + options_.closeTimeout;
  }
}

void HttpConnection::onDeadline(core::TimePoint now) {
  if (halfClosed_) {
    finished_ = true;  // the client never hung up after our last answer
    return;
  }
  // Re-armed only when it fires, not per request, so a busy connection costs the loop's
  // deadline set nothing.
  const core::TimePoint idleUntil = lastActive_ + options_.idleTimeout;
  if (now < idleUntil) {
    deadline_ = idleUntil;
  } else if (awaitingPublish_) {
    deadline_ = now + options_.idleTimeout;  // not idle: its answer is on the way
  } else {
    finished_ = true;
  }
}

void HttpConnection::closeSocket() {
  finished_ = true;
  try {
    socket_.close();
  } catch (...) {
    // The descriptor is released either way; nothing to report to a client that is gone.
  }
}

}  // namespace spread::plugins::websocket
