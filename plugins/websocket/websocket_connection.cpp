#include "websocket_connection.h"

#include <utility>
#include <vector>


namespace spread::plugins::websocket {

using transport::CloseCode;
using transport::Rejection;

namespace {

// A message waiting for its session costs its string and its place in the batch besides
// its bytes.
constexpr std::size_t kHeldTextOverheadBytes = 64;

Rejection rejectionFor(CloseCode code) {
  switch (code) {
    case CloseCode::kMessageTooBig: return Rejection::kTooLarge;
    case CloseCode::kInvalidPayload: return Rejection::kBadRequest;
    default: return Rejection::kProtocolError;
  }
}

}  // namespace

WebSocketConnection::WebSocketConnection(ClientSocket socket, std::string handshakeAnswer, std::string leftover,
                                         Loop& loop, std::shared_ptr<Strand> strand, ServingContext& context)
    : alive_(context.liveConnections),
      socket_(std::move(socket)),
      acceptedHandle_(socket_.handle()),
      opening_(std::make_unique<Opening>(Opening{std::move(leftover), std::move(handshakeAnswer)})),
      loop_(loop),
      strand_(std::move(strand)),
      context_(context),
      parser_(context.connection.messageBytesMax,
              context.transport.faults != nullptr && context.transport.faults->parserAcceptsBadUtf8),
      outbound_(context.connection.sendWindowBytes) {
  socket_.settleClient();
  context_.openConnections.add();
  context_.transport.metrics.connectionOpened();
}

WebSocketConnection::~WebSocketConnection() {
  // A connection dropped before its loop adopted it (the loop was stopping) still owns
  // its socket and its place in the counters.
  if (!socketClosed_) closeSocket();
}

void WebSocketConnection::startSession(std::shared_ptr<transport::Session> session) {
  session_ = std::move(session);
  // Subscribed here, on the loop that took the upgrade, before this connection is adopted
  // or writes a byte: a client that has read its 101 is subscribed. Posting the start to
  // the executor instead cost a hop between threads before every 101 (connecting 10,000
  // clients took 2.4 times as long).
  if (context_.observer != nullptr) context_.observer->onSessionStarting(acceptedHandle_);
  session_->start();
  if (context_.observer != nullptr) context_.observer->onSessionStarted(acceptedHandle_);
}

void WebSocketConnection::send(std::span<const core::MessagePtr> messages) {
  if (context_.observer != nullptr) {
    for (const core::MessagePtr& message : messages) context_.observer->onSent(acceptedHandle_, message);
  }
  requestWrite(outbound_.pushMessages(messages));
}

void WebSocketConnection::sendText(std::string text) {
  if (context_.observer != nullptr) context_.observer->onTextSent(acceptedHandle_, text);
  requestWrite(outbound_.pushFrame(Opcode::kText, std::move(text)));
}

void WebSocketConnection::ping() { requestWrite(outbound_.pushFrame(Opcode::kPing, {})); }

void WebSocketConnection::close(CloseCode code, std::string_view reason) {
  if (context_.observer != nullptr) context_.observer->onCloseRequested(acceptedHandle_, code, reason);
  // The close timeout runs from now, not from when the loop gets to the close.
  auto none = kNoCloseRequested;
  closeRequestedAt_.compare_exchange_strong(none, context_.transport.clock.now().time_since_epoch().count(),
                                            std::memory_order_relaxed);
  requestWrite(outbound_.pushClose(code, reason));
}

std::optional<core::Duration> WebSocketConnection::admitPublish() {
  return context_.clients.takePublishFrom(socket_.peer());
}

void WebSocketConnection::requestWrite(bool wake) {
  if (wake) loop_.requestWrite(shared_from_this());
}

bool WebSocketConnection::wantsRead() const {
  if (!readOpen_ || finished_) return false;
  if (failed_) return true;  // discarding until the peer hangs up
  return outbound_.bytesQueued() < context_.connection.sendWindowBytes &&
         inboundPending_.load(std::memory_order_relaxed) < context_.connection.messageBytesMax &&
         !readingHeld_.load(std::memory_order_relaxed);
}

void WebSocketConnection::holdReading(bool held) {
  readingHeld_.store(held, std::memory_order_relaxed);
  if (!held) loop_.requestWrite(shared_from_this());  // the loop re-reads wantsRead() when it handles this
}

void WebSocketConnection::taken(std::size_t bytes) {
  const std::size_t before = inboundPending_.fetch_sub(static_cast<std::uint32_t>(bytes), std::memory_order_relaxed);
  if (before >= context_.connection.messageBytesMax && before - bytes < context_.connection.messageBytesMax) {
    loop_.requestWrite(shared_from_this());  // the loop re-reads wantsRead() when it handles this
  }
}

void WebSocketConnection::onAdopted() {
  if (opening_ && !opening_->leftover.empty()) {
    // Taken out first: consume() may write the 101 (to answer a ping), which frees opening_.
    const std::string leftover = std::exchange(opening_->leftover, {});
    consume(leftover);
  }
  settle();
}

void WebSocketConnection::onReadable(std::span<char> scratch) {
  if (finished_) return;
  const IoResult received = socket_.read(scratch);
  if (!received.done()) {
    // The peer hung up, or the connection broke.
    if (received.status != IoResult::Status::kWouldBlock) finished_ = true;
    return;
  }
  // After a failure the stream cannot be parsed any more; what follows is discarded.
  if (!failed_) consume(std::string_view(scratch.data(), received.bytes));
  settle();
}

void WebSocketConnection::consume(std::string_view bytes) {
  if (parser_.stopped()) return;
  const std::uint64_t framesBefore = parser_.framesSeen();
  std::vector<ParsedEvent> events;
  parser_.feed(bytes, events);

  std::vector<std::string> texts;
  std::size_t textBytes = 0;
  std::optional<std::pair<CloseCode, std::string>> failure;
  bool peerClose = false;
  bool wake = false;
  for (ParsedEvent& event : events) {
    switch (event.kind) {
      case ParsedEvent::Kind::kText:
        // Once we have said goodbye, data from the peer is no longer acted on.
        if (!outbound_.closeQueued()) {
          // Counted with what holding it costs, so that a flood of tiny messages is bounded
          // as tightly as a few large ones.
          textBytes += event.payload.size() + kHeldTextOverheadBytes;
          texts.push_back(std::move(event.payload));
        }
        break;
      case ParsedEvent::Kind::kPing: wake |= outbound_.pushPong(std::move(event.payload)); break;
      case ParsedEvent::Kind::kPong: break;
      case ParsedEvent::Kind::kClose:
        peerClosed_ = true;
        readOpen_ = false;
        peerClose = true;
        // Echo the peer's code; a close without one is answered with one without one.
        wake |= event.peerCode != 0 ? outbound_.pushClose(static_cast<CloseCode>(event.peerCode), {})
                                    : outbound_.pushClosePayload({});
        break;
      case ParsedEvent::Kind::kFailure:
        failed_ = true;
        context_.transport.metrics.rejected(rejectionFor(event.failCode));
        wake |= outbound_.pushClose(event.failCode, event.payload);
        failure.emplace(event.failCode, std::move(event.payload));
        break;
    }
  }
  const bool heard = parser_.framesSeen() != framesBefore;
  if (heard || failure || peerClose) {
    // Bounded by the limit plus one read, so it fits: reading stops at messageBytesMax.
    inboundPending_.fetch_add(static_cast<std::uint32_t>(textBytes), std::memory_order_relaxed);
    strand_->post([self = shared_from_this(), session = session_, heard, texts = std::move(texts), textBytes,
                   failure = std::move(failure), peerClose]() mutable {
      if (heard) session->onHeard();
      for (std::string& text : texts) session->onText(std::move(text));
      if (failure) session->closeWith(failure->first, failure->second);
      if (peerClose) session->onDisconnected();
      if (textBytes > 0) self->taken(textBytes);
    });
  }
  if (wake) onWritable();
}

void WebSocketConnection::onWritable() {
  if (finished_) return;
  if (opening_ && !writeHandshakeAnswer()) return;
  const core::TimePoint now = context_.transport.clock.now();
  const OutboundQueue::WriteResult result = outbound_.writeTo(socket_.network(), socket_.handle(), [this, now](const core::Message& message) {
    context_.transport.metrics.delivered(now - message.acceptedAt());
  });
  if (result.failed) {
    finished_ = true;
    return;
  }
  writePending_ = !result.drained;
  closeWritten_ = result.closeWritten;
  if (result.windowOpened) strand_->post([session = session_] { session->onWritable(); });
  settle();
}

bool WebSocketConnection::writeHandshakeAnswer() {
  std::string& answer = opening_->answer;
  while (opening_->answerWritten < answer.size()) {
    const IoResult sent = socket_.write(std::string_view(answer).substr(opening_->answerWritten));
    if (sent.status == IoResult::Status::kWouldBlock) {
      writePending_ = true;
      return false;
    }
    if (!sent.done()) {
      finished_ = true;  // the client is gone
      return false;
    }
    opening_->answerWritten += sent.bytes;
  }
  opening_.reset();  // onAdopted() has taken the leftover already: the loop adopts first
  return true;
}

void WebSocketConnection::settle() {
  if (finished_) return;
  if (!deadline_ && outbound_.closeQueued()) {
    // Read after the queue's lock showed the close, so a close() from the session is seen.
    const core::Duration::rep requested = closeRequestedAt_.load(std::memory_order_relaxed);
    const core::TimePoint from =
        requested == kNoCloseRequested ? context_.transport.clock.now() : core::TimePoint(core::Duration(requested));
    deadline_ = from + context_.connection.closeTimeout;
  }
  if (!closeWritten_) return;
  if (peerClosed_) {
    finished_ = true;  // handshake complete; the server closes the TCP connection first
  } else if (failed_ && !halfClosed_) {
    socket_.shutdownWrite();
    halfClosed_ = true;
  }
}

void WebSocketConnection::onDeadline(core::TimePoint now) {
  if (deadline_ && now >= *deadline_) finished_ = true;
}

void WebSocketConnection::closeSocket() {
  if (socketClosed_) return;
  socketClosed_ = true;
  finished_ = true;
  if (session_) {
    strand_->post([session = std::move(session_)] { session->onDisconnected(); });
  }
  // Counted as closed before the peer can see the end of the stream, so nobody who saw
  // it finds the connection still counted.
  context_.transport.metrics.connectionClosed();
  context_.openConnections.remove();
  socket_.close();
}

}  // namespace spread::plugins::websocket
