#include "scripted_websocket.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "client_wire.h"
#include "http_answer_reader.h"
#include "spread/core/utf8.h"

namespace spread::plugins::sim {

using transport::CloseCode;

namespace {
// Any valid key does: the simulator has no caching proxy for an unpredictable one to
// defeat, and a fixed one keeps runs repeatable.
constexpr const char* kWebSocketKey = "c2ltdWxhdGVkIGNsaWVudA==";
// Messages from this size on may be sent in fragments.
constexpr std::size_t kFragmentedFromBytes = 256;
}  // namespace

ScriptedWebSocket::ScriptedWebSocket(ConnectionId id, int handle, LinkOptions link, ClientWorld& world)
    : id_(id), handle_(handle), link_(link), world_(world) {}

ScriptedWebSocket::~ScriptedWebSocket() {
  world_.executor.cancel(readTimer_);
  if (!released_) world_.network.clientRelease(handle_);
}

void ScriptedWebSocket::open(const std::string& topic, const std::string& token, const std::string& query) {
  world_.network.clientWatch(handle_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->arrived();
  });
  world_.network.clientSend(handle_, "GET /subscribe?topic=" + topic + query +
                                         " HTTP/1.1\r\nHost: spread.sim\r\nUpgrade: websocket\r\n"
                                         "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                         "Sec-WebSocket-Key: " + kWebSocketKey + "\r\n" +
                                         (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n");
}

std::array<unsigned char, 4> ScriptedWebSocket::maskKey() {
  const std::uint64_t bits = world_.random.next();
  return {static_cast<unsigned char>(bits), static_cast<unsigned char>(bits >> 8),
          static_cast<unsigned char>(bits >> 16), static_cast<unsigned char>(bits >> 24)};
}

void ScriptedWebSocket::sendText(const std::string& text) {
  if (ended_) return;
  // Sent even before the 101 has come back: the server reads frames pipelined behind the
  // upgrade request, as a client that writes on "open" at once relies on.
  if (text.size() < kFragmentedFromBytes || !world_.random.chance(50)) {
    world_.network.clientSend(handle_, encodeMaskedFrame(kOpText, text, maskKey()));
    return;
  }
  // Half the long messages go in two to four fragments, cut anywhere, even inside a UTF-8
  // sequence, as RFC 6455 allows: the server must put them back together.
  const std::size_t pieces = 2 + world_.random.below(3);
  std::string frames;
  for (std::size_t piece = 0, at = 0; piece < pieces; ++piece) {
    const std::size_t end = piece + 1 == pieces ? text.size() : text.size() * (piece + 1) / pieces;
    frames += encodeMaskedFrame(piece == 0 ? kOpText : kOpContinuation, std::string_view(text).substr(at, end - at),
                                maskKey(), std::nullopt, piece + 1 == pieces);
    at = end;
  }
  world_.network.clientSend(handle_, std::move(frames));
}

void ScriptedWebSocket::setReading(bool reading) {
  if (reading && !reading_ && world_.bugs.dropAfterResume) dropNextRead_ = true;
  reading_ = reading;
  if (!reading_) {
    world_.executor.cancel(readTimer_);
    readTimer_ = core::TimerId::kNone;
  }
  arrived();
}

void ScriptedWebSocket::setReadInterval(core::Duration interval) {
  link_.readInterval = interval;
  world_.executor.cancel(readTimer_);
  readTimer_ = core::TimerId::kNone;
  arrived();
}

void ScriptedWebSocket::leave() {
  if (ended_) return;
  world_.network.clientSend(handle_, encodeMaskedFrame(kOpClose, "client left", maskKey(), 1000));
  end(ConnectionEnd{ClosedBy::kClient, CloseCode::kNormal, "client left", false});
}

void ScriptedWebSocket::cut() {
  if (ended_) return;
  world_.network.clientReset(handle_);
  end(ConnectionEnd{ClosedBy::kClient, static_cast<CloseCode>(1006), "connection lost", false});
  // Nothing reaches a reset connection any more: the client is done with it.
  released_ = true;
  world_.network.clientRelease(handle_);
}

void ScriptedWebSocket::serverSent(const core::MessagePtr& message) { sent_.push_back(Sent{message, {}}); }

void ScriptedWebSocket::serverSentText(std::string_view text) { sent_.push_back(Sent{nullptr, std::string(text)}); }

void ScriptedWebSocket::serverCloseRequested(CloseCode code, std::string_view reason) {
  if (!closeRequested_) closeRequested_.emplace(code, std::string(reason));
  if (world_.bugs.endBeforeFlush && !ended_ && !endReported_ && world_.observer != nullptr) {
    // Reported, but the client reads on: what it reads next comes after its end.
    endReported_ = true;
    world_.observer->onEnded(id_, ConnectionEnd{ClosedBy::kServer, code, std::string(reason), false});
  }
}

void ScriptedWebSocket::arrived() {
  if (released_) return;
  if (ended_) {
    // Past its end the client only drains what still comes (the server's close reply), so
    // the server is not kept waiting on a full window.
    world_.network.clientConsume(handle_, world_.network.clientPeek(handle_).size());
    if (world_.network.clientSawEnd(handle_)) {
      if (world_.bugs.closeTwice && closeRead_ && world_.observer != nullptr) {
        world_.observer->onEnded(id_, ConnectionEnd{ClosedBy::kServer, closeReadCode_, "closing handshake done", false});
      }
      released_ = true;
      world_.network.clientRelease(handle_);
    }
    return;
  }
  if (!upgraded_) readHandshake();
  if (upgraded_ && !ended_) readFrames();
}

void ScriptedWebSocket::readHandshake() {
  // Read out of the receive window as it comes, as a client reads a socket into its own
  // buffer (a window smaller than the answer must not stall it): the head byte by byte, so
  // no frame behind the 101 is taken with it; a refusal's body whole.
  const std::string_view in = world_.network.clientPeek(handle_);
  std::size_t take = 0;
  const auto headComplete = [this] { return answer_.size() >= 4 && answer_.ends_with("\r\n\r\n"); };
  while (take < in.size() && !headComplete()) answer_ += in[take++];
  if (headComplete() && !answer_.starts_with("HTTP/1.1 101 ")) {
    answer_.append(in.substr(take));
    take = in.size();
  }
  world_.network.clientConsume(handle_, take);
  const bool ended = world_.network.clientSawEnd(handle_);
  const std::optional<HttpAnswerRead> answer = readHttpAnswer(answer_, ended);
  if (!answer) {
    if (ended) noticeEnd();
    return;
  }
  answer_ = {};
  if (answer->status == 0) {
    noticeEnd();  // cut off before a whole answer: a dropped connection, not a refusal
    return;
  }
  if (answer->status == 101) {
    upgraded_ = true;
    return;
  }
  if (world_.observer != nullptr) world_.observer->onRefused(id_, answer->status);
  end(ConnectionEnd{ClosedBy::kServer, CloseCode::kGoingAway,
                    "HTTP " + std::to_string(answer->status) + ": " + answer->error, true});
  world_.network.clientShutdownWrite(handle_);
  arrived();
}

void ScriptedWebSocket::readFrames() {
  while (!ended_ && reading_ && readTimer_ == core::TimerId::kNone) {
    if (link_.readInterval > core::Duration::zero() && lastReadAt_) {
      const core::TimePoint due = *lastReadAt_ + link_.readInterval;
      if (world_.clock.now() < due) {
        if (!world_.network.clientPeek(handle_).empty()) scheduleRead(due);
        break;
      }
    }
    if (!readOne()) break;
  }
  // The server's end is noticed once what came before it is read, or at once by a client
  // that is not reading (its socket reports the reset).
  if (!ended_ && world_.network.clientSawEnd(handle_) &&
      (!reading_ || (world_.network.clientPeek(handle_).empty()))) {
    noticeEnd();
  }
}

void ScriptedWebSocket::scheduleRead(core::TimePoint due) {
  readTimer_ = world_.executor.postAfter(due - world_.clock.now(), [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    self->readTimer_ = core::TimerId::kNone;
    self->arrived();
  });
}

std::optional<ServerFrame> ScriptedWebSocket::peekFrame() {
  // Most frames are whole in the window: read in place.
  if (partial_.empty()) {
    ServerFrameRead read = readServerFrame(world_.network.clientPeek(handle_));
    if (read.status == ServerFrameRead::Status::kFrame) return read.frame;
    if (read.status == ServerFrameRead::Status::kViolation) {
      wireViolation(read.problem);
      return std::nullopt;
    }
  }
  // A frame larger than what has arrived, or than the window itself, is gathered in the
  // client's own buffer, as a client reading a socket does; only its bytes are taken.
  for (;;) {
    ServerFrameRead read = readServerFrame(partial_);
    if (read.status == ServerFrameRead::Status::kFrame) {
      gathered_.assign(read.frame.payload);
      partial_.erase(0, read.frame.wireBytes);
      read.frame.payload = gathered_;
      read.frame.wireBytes = 0;  // already taken
      return read.frame;
    }
    if (read.status == ServerFrameRead::Status::kViolation) {
      wireViolation(read.problem);
      return std::nullopt;
    }
    const std::string_view in = world_.network.clientPeek(handle_);
    if (in.empty()) return std::nullopt;
    const std::size_t take = std::min(in.size(), bytesToCompleteFrame(partial_));
    partial_.append(in.substr(0, take));
    world_.network.clientConsume(handle_, take);
  }
}

bool ScriptedWebSocket::readOne() {
  const std::optional<ServerFrame> frame = peekFrame();
  if (!frame) return false;
  const bool more = readFrame(*frame);
  // Taken only now: the payload is read in place, in the network's buffer.
  world_.network.clientConsume(handle_, frame->wireBytes);
  return more;
}

bool ScriptedWebSocket::readFrame(const ServerFrame& frame) {
  const ServerFrameRead read{ServerFrameRead::Status::kFrame, frame, {}};
  lastReadAt_ = world_.clock.now();
  switch (read.frame.opcode) {
    case kOpText: readText(read.frame.payload); break;
    case kOpPing: world_.network.clientSend(handle_, encodeMaskedFrame(kOpPong, read.frame.payload, maskKey())); break;
    case kOpPong: break;
    case kOpClose: {
      const ClosePayload close = readClosePayload(read.frame.payload);
      closeRead_ = true;
      closeReadCode_ = static_cast<CloseCode>(close.code);
      // The client answers the close with the same code, and the server then hangs up.
      world_.network.clientSend(handle_, encodeMaskedFrame(kOpClose, {}, maskKey(), close.code));
      end(ConnectionEnd{ClosedBy::kServer, static_cast<CloseCode>(close.code), close.reason, true});
      return false;
    }
    default: break;
  }
  return true;
}

void ScriptedWebSocket::readText(std::string_view payload) {
  if (sent_.empty()) {
    wireViolation("a text frame of " + std::to_string(payload.size()) + " bytes the session never handed over");
    return;
  }
  Sent sent = std::move(sent_.front());
  sent_.pop_front();
  const std::string_view expected = sent.message ? std::string_view(sent.message->bytes()) : sent.text;
  if (payload != expected) {
    wireViolation("a text frame of " + std::to_string(payload.size()) + " bytes where the session handed over " +
                  std::to_string(expected.size()) + " others" +
                  (sent.message ? " (sequence " + std::to_string(sent.message->sequence()) + ")" : std::string()));
    return;
  }
  SimObserver* observer = world_.observer;
  // Each message is checked once, not once per subscriber that reads it.
  if ((!sent.message || world_.lastUtf8Checked != sent.message) && !core::isValidUtf8(payload)) {
    wireViolation("a server text frame that is not valid UTF-8");
    return;
  }
  if (sent.message) world_.lastUtf8Checked = sent.message;
  if (!sent.message) {
    if (observer != nullptr) observer->onTextRead(id_, sent.text);
    return;
  }
  if (world_.bugs.throwInTask && sent.message->sequence() == 3) {
    throw std::runtime_error("deliberate bug: throw-in-task");
  }
  if (std::exchange(dropNextRead_, false)) return;
  ++messagesRead_;
  if (observer == nullptr) return;
  observer->onRead(id_, sent.message);
  if (world_.bugs.duplicateDelivery && messagesRead_ % 7 == 0) observer->onRead(id_, sent.message);
}

void ScriptedWebSocket::noticeEnd() {
  if (world_.bugs.lostClose) {
    ended_ = true;
  } else if (closeRequested_) {
    end(ConnectionEnd{ClosedBy::kServer, closeRequested_->first, closeRequested_->second, false});
  } else {
    end(ConnectionEnd{ClosedBy::kServer, static_cast<CloseCode>(1006), "connection dropped", false});
  }
  arrived();
}

void ScriptedWebSocket::wireViolation(const std::string& problem) {
  if (world_.observer != nullptr) world_.observer->onWireViolation(id_, problem);
  cut();
}

void ScriptedWebSocket::end(ConnectionEnd end) {
  if (ended_) return;
  ended_ = true;
  world_.executor.cancel(readTimer_);
  readTimer_ = core::TimerId::kNone;
  if (world_.observer != nullptr && !std::exchange(endReported_, true)) world_.observer->onEnded(id_, end);
}

bool ScriptedWebSocket::finished() const { return released_; }

LinkState ScriptedWebSocket::state() const {
  LinkState state;
  state.known = true;
  state.ended = released_;
  state.windowUsedBytes = world_.network.clientHeldBytes(handle_);
  state.windowBytes = link_.windowBytes;
  return state;
}

}  // namespace spread::plugins::sim
