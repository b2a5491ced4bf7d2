#include "sim_connection.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace spread::plugins::sim {

using transport::CloseCode;

SimConnection::SimConnection(ConnectionId id, LinkOptions link, SimNetwork& network, ServerDone serverDone)
    : id_(id), link_(link), network_(network), onServerDone_(std::move(serverDone)) {}

void SimConnection::send(std::span<const core::MessagePtr> messages) {
  for (const core::MessagePtr& message : messages) {
    if (network_.observer != nullptr) network_.observer->onSent(id_, message);
    if (dropNextSend_) {
      dropNextSend_ = false;
      continue;
    }
    enqueue(Frame{Frame::Kind::kMessage, message, {}, message->bytes().size()});
  }
  pumpWire();
}

void SimConnection::sendText(std::string text) {
  const std::size_t bytes = text.size();
  enqueue(Frame{Frame::Kind::kText, nullptr, std::move(text), bytes});
  pumpWire();
}

void SimConnection::ping() {
  enqueue(Frame{Frame::Kind::kPing, nullptr, {}, 0});
  pumpWire();
}

void SimConnection::close(CloseCode code, std::string_view reason) {
  if (network_.bugs.wrongDropCode && code == CloseCode::kPolicyViolation && reason == transport::kReasonTooSlow) {
    code = CloseCode::kGoingAway;
    reason = transport::kReasonShuttingDown;
  }
  if (network_.observer != nullptr) network_.observer->onCloseRequested(id_, code, reason);
  if (closeRequested_) return;
  closeRequested_ = true;
  closeCode_ = code;
  closeReason_ = std::string(reason);
  if (serverDone_) return;
  enqueue(Frame{Frame::Kind::kClose, nullptr, {}, 0});
  if (network_.bugs.endBeforeFlush && network_.observer != nullptr) {
    endReported_ = true;
    network_.observer->onEnded(id_, ConnectionEnd{ClosedBy::kServer, code, closeReason_, false});
  }
  // A peer that never reads its close frame is cut off, as a real server's close timeout does.
  closeTimer_ = network_.executor.postAfter(network_.closeTimeout, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->closeTimer_ = core::TimerId::kNone;
      self->abort();
    }
  });
  pumpWire();
}

void SimConnection::enqueue(Frame frame) {
  // Bytes written to a socket whose peer is gone, or after the server let go, vanish.
  if (clientEnded_ || serverDone_) return;
  outboundBytes_ += frame.bytes;
  outbound_.push_back(std::move(frame));
}

void SimConnection::pumpWire() {
  const bool wasBlocked = outboundBytes_ >= network_.sendWindowBytes;
  const core::TimePoint now = network_.clock.now();
  while (!outbound_.empty()) {
    const Frame& front = outbound_.front();
    const bool fits = front.bytes == 0 || wireBytes_ == 0 || wireBytes_ + front.bytes <= link_.windowBytes ||
                      network_.bugs.windowIgnored;
    if (!fits) break;
    Frame frame = std::move(outbound_.front());
    outbound_.pop_front();
    outboundBytes_ -= frame.bytes;
    wireBytes_ += frame.bytes;
    largestFrameBytes_ = std::max(largestFrameBytes_, frame.bytes);
    if (network_.linksGrown.empty() || network_.linksGrown.back() != id_) network_.linksGrown.push_back(id_);
    if (frame.kind == Frame::Kind::kMessage) network_.metrics.delivered(now - frame.message->acceptedAt());
    const auto jitter =
        core::Duration(network_.random.below(static_cast<std::uint64_t>(link_.jitter.count()) + 1));
    // One TCP stream: a frame never overtakes the one before it.
    lastArrival_ = std::max(lastArrival_, now + link_.latency + jitter);
    (void)network_.executor.postAfter(lastArrival_ - now,
                                [weak = weak_from_this(), frame = std::move(frame)]() mutable {
                                  if (auto self = weak.lock()) self->arrive(std::move(frame));
                                });
  }
  if (wasBlocked && outboundBytes_ < network_.sendWindowBytes) {
    (void)network_.executor.post([weak = session_] {
      if (auto session = weak.lock()) session->onWritable();
    });
  }
}

void SimConnection::arrive(Frame frame) {
  if (network_.bugs.throwInTask && frame.message && frame.message->sequence() == 3) {
    throw std::runtime_error("deliberate bug: throw-in-task");
  }
  if (clientEnded_) {
    wireBytes_ -= frame.bytes;
    return;
  }
  unread_.push_back(std::move(frame));
  scheduleRead();
}

void SimConnection::scheduleRead() {
  if (!reading_ || clientEnded_ || unread_.empty() || readTimer_ != core::TimerId::kNone) return;
  const core::TimePoint now = network_.clock.now();
  if (link_.readInterval == core::Duration::zero()) {
    while (reading_ && !clientEnded_ && !unread_.empty()) readOne();
    return;
  }
  const core::TimePoint due = std::max(now, lastReadAt_ + link_.readInterval);
  readTimer_ = network_.executor.postAfter(due - now, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    self->readTimer_ = core::TimerId::kNone;
    if (!self->reading_ || self->clientEnded_ || self->unread_.empty()) return;
    self->readOne();
    self->scheduleRead();
  });
}

void SimConnection::readOne() {
  Frame frame = std::move(unread_.front());
  unread_.pop_front();
  wireBytes_ -= frame.bytes;
  lastReadAt_ = network_.clock.now();
  SimObserver* observer = network_.observer;
  switch (frame.kind) {
    case Frame::Kind::kMessage:
      ++messagesRead_;
      if (observer != nullptr) {
        observer->onRead(id_, frame.message);
        if (network_.bugs.duplicateDelivery && messagesRead_ % 7 == 0) observer->onRead(id_, frame.message);
      }
      break;
    case Frame::Kind::kText:
      if (observer != nullptr) observer->onTextRead(id_, frame.text);
      break;
    case Frame::Kind::kPing: postToServer([](transport::Session& session) { session.onHeard(); }); break;
    case Frame::Kind::kClose:
      network_.executor.cancel(closeTimer_);
      closeTimer_ = core::TimerId::kNone;
      endForClient(ConnectionEnd{ClosedBy::kServer, closeCode_, closeReason_, true});
      // The client answers the close; when that reaches the server the session is done.
      (void)network_.executor.postAfter(link_.latency, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->serverDisconnected();
      });
      return;
  }
  pumpWire();
}

void SimConnection::postToServer(std::function<void(transport::Session&)> event) {
  (void)network_.executor.postAfter(link_.latency, [weak = weak_from_this(), event = std::move(event)] {
    auto self = weak.lock();
    if (!self || self->serverDone_) return;
    if (auto session = self->session_.lock()) event(*session);
  });
}

void SimConnection::clientSendText(std::string text) {
  if (clientEnded_) return;
  if (text.size() > network_.messageBytesMax) {
    // As a WebSocket server does on reading an oversized frame's header.
    postToServer([&metrics = network_.metrics](transport::Session& session) {
      metrics.rejected(transport::Rejection::kTooLarge);
      session.closeWith(CloseCode::kMessageTooBig, "message too big");
    });
    return;
  }
  postToServer([text = std::move(text)](transport::Session& session) { session.onText(text); });
}

void SimConnection::setReading(bool reading) {
  if (reading && !reading_ && network_.bugs.dropAfterResume) dropNextSend_ = true;
  reading_ = reading;
  if (!reading_) {
    network_.executor.cancel(readTimer_);
    readTimer_ = core::TimerId::kNone;
  }
  scheduleRead();
}

void SimConnection::setReadInterval(core::Duration interval) {
  link_.readInterval = interval;
  network_.executor.cancel(readTimer_);
  readTimer_ = core::TimerId::kNone;
  scheduleRead();
}

void SimConnection::leave() {
  if (clientEnded_) return;
  endForClient(ConnectionEnd{ClosedBy::kClient, CloseCode::kNormal, "client left", false});
  (void)network_.executor.postAfter(link_.latency, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->serverDisconnected();
  });
}

void SimConnection::cut() {
  if (clientEnded_) return;
  endForClient(ConnectionEnd{ClosedBy::kClient, static_cast<CloseCode>(1006), "connection lost", false});
  (void)network_.executor.postAfter(link_.latency, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->serverDisconnected();
  });
}

void SimConnection::refuse(int httpStatus) {
  serverDone_ = true;
  endForClient(ConnectionEnd{ClosedBy::kServer, CloseCode::kGoingAway,
                             "HTTP " + std::to_string(httpStatus) + ": server draining", true});
}

void SimConnection::abort() {
  if (serverDone_) return;
  if (!clientEnded_) {
    if (network_.bugs.lostClose) {
      clientEnded_ = true;
      discardUnread();
    } else {
      endForClient(closeRequested_ ? ConnectionEnd{ClosedBy::kServer, closeCode_, closeReason_, false}
                                   : ConnectionEnd{ClosedBy::kServer, static_cast<CloseCode>(1006),
                                                   "connection dropped", false});
    }
  }
  serverDisconnected();
}

void SimConnection::endForClient(ConnectionEnd end) {
  clientEnded_ = true;
  network_.executor.cancel(readTimer_);
  readTimer_ = core::TimerId::kNone;
  discardUnread();
  if (network_.observer != nullptr && !endReported_) network_.observer->onEnded(id_, end);
  endReported_ = true;
}

void SimConnection::discardUnread() {
  for (const Frame& frame : unread_) wireBytes_ -= frame.bytes;
  unread_.clear();
}

void SimConnection::serverDisconnected() {
  if (serverDone_) return;
  serverDone_ = true;
  if (network_.bugs.closeTwice && closeRequested_ && network_.observer != nullptr) {
    network_.observer->onEnded(id_,
                               ConnectionEnd{ClosedBy::kServer, closeCode_, "closing handshake done", false});
  }
  network_.executor.cancel(closeTimer_);
  closeTimer_ = core::TimerId::kNone;
  outbound_.clear();
  outboundBytes_ = 0;
  if (auto session = session_.lock()) session->onDisconnected();
  onServerDone_(id_);
}

LinkState SimConnection::state() const {
  LinkState state;
  state.known = true;
  state.ended = clientEnded_ && serverDone_;
  state.windowUsedBytes = wireBytes_;
  state.windowBytes = link_.windowBytes;
  state.largestFrameBytes = largestFrameBytes_;
  state.outboundBytes = outboundBytes_;
  return state;
}

}  // namespace spread::plugins::sim
