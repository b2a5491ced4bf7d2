#include "ws_client.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ws_frame.h"

namespace spread::bench {
namespace {

constexpr std::size_t kReadBytes = 256 * 1024;
constexpr std::size_t kPayloadMax = 16 * 1024 * 1024;
constexpr std::size_t kHandshakeBytesMax = 16 * 1024;
// Reads of what TLS holds decrypted after a readiness; each takes at least one record.
constexpr int kPendingReadsMax = 64;

// Every client on the thread reads into this one buffer (spread-bench is single-threaded).
char* sharedReadBuffer() {
  static char buffer[kReadBytes];
  return buffer;
}

}  // namespace

WsClient::WsClient(EventLoop& loop, const Endpoint& endpoint, WsListener& listener, std::uint32_t id)
    : loop_(loop), endpoint_(endpoint), listener_(listener), id_(id), maskState_(0x9E3779B9u ^ (id * 2654435761u)) {}

WsClient::~WsClient() { abandon(); }

void WsClient::start(SocketLimits limits) {
  startedAtUs_ = nowUs();
  fd_ = startConnect(endpoint_.address, limits);
  if (fd_ < 0) {
    end(EndKind::kConnectFailed, errno, std::strerror(errno));
    return;
  }
  state_ = State::kConnecting;
  interest_ = EPOLLOUT;
  loop_.add(fd_, interest_, *this);
}

void WsClient::abandon() {
  tls_.reset();
  if (fd_ >= 0) {
    loop_.remove(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  state_ = State::kEnded;
}

void WsClient::vanish(bool reset) {
  if (fd_ >= 0 && reset) {
    // A zero linger time makes close() send a RST and drop anything unsent.
    const linger abort{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
  }
  abandon();
  out_.clear();
  in_.clear();
}

void WsClient::sendText(std::string_view text) {
  appendClientFrame(out_, Opcode::kText, text, nextMask());
  flush();
}

void WsClient::sendPings(std::string_view payload, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) appendClientFrame(out_, Opcode::kPing, payload.substr(0, 125), nextMask());
  flush();
}

void WsClient::sendClose(std::uint16_t code) {
  const char payload[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  appendClientFrame(out_, Opcode::kClose, std::string_view(payload, 2), nextMask());
  closeSent_ = true;
  flush();
}

void WsClient::pauseReading() {
  reading_ = false;
  updateInterest();
}

void WsClient::resumeReading() {
  reading_ = true;
  updateInterest();
}

void WsClient::onEvents(std::uint32_t events) {
  if (state_ == State::kConnecting) {
    finishConnect();
    return;
  }
  if (state_ == State::kTlsHandshaking) {
    continueTls();
    return;
  }
  if ((events & EPOLLOUT) != 0) flush();
  if (state_ == State::kEnded) return;
  // A paused client still learns that the server hung up: it reads again to see how.
  if (!reading_ && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) resumeReading();
  if (reading_ && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    if (state_ == State::kHandshaking) readHandshake();
    else if (state_ == State::kOpen) readFrames();
    // SSL_read hands out one record at a time: what OpenSSL holds decrypted is taken now,
    // since no readiness will announce it.
    for (int i = 0; i < kPendingReadsMax && tls_ && reading_ && tls_->pending(); ++i) {
      if (state_ == State::kHandshaking) readHandshake();
      else if (state_ == State::kOpen) readFrames();
    }
  }
}

void WsClient::finishConnect() {
  int error = 0;
  socklen_t size = sizeof error;
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size);
  if (error != 0) {
    end(EndKind::kConnectFailed, error, std::strerror(error));
    return;
  }
  if (endpoint_.tls) {
    tls_ = std::make_unique<TlsStream>(endpoint_.tls.get(), fd_, endpoint_.host);
    state_ = State::kTlsHandshaking;
    continueTls();
    return;
  }
  sendUpgrade();
}

void WsClient::continueTls() {
  std::string detail;
  switch (tls_->handshake(detail)) {
    case TlsStream::Step::kDone: return sendUpgrade();
    case TlsStream::Step::kWantRead: interest_ = EPOLLIN; break;
    case TlsStream::Step::kWantWrite: interest_ = EPOLLOUT; break;
    case TlsStream::Step::kFailed: return end(EndKind::kHandshakeRejected, 0, detail);
  }
  loop_.modify(fd_, interest_, *this);
}

void WsClient::sendUpgrade() {
  state_ = State::kHandshaking;
  out_ = "GET " + endpoint_.subscribeTarget + " HTTP/1.1\r\nHost: " + endpoint_.hostHeader +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: c3ByZWFkLWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  flush();
}

ssize_t WsClient::receive(char* into, std::size_t size) {
  return tls_ ? tls_->read(into, size) : ::read(fd_, into, size);
}

ssize_t WsClient::transmit(const char* from, std::size_t size) {
  return tls_ ? tls_->write(from, size) : ::send(fd_, from, size, MSG_NOSIGNAL);
}

void WsClient::readHandshake() {
  char* buffer = sharedReadBuffer();
  const ssize_t got = receive(buffer, kReadBytes);
  if (got <= 0) {
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
    end(got == 0 ? EndKind::kEof : EndKind::kError, got == 0 ? 0 : errno, "during the upgrade");
    return;
  }
  in_.append(buffer, static_cast<std::size_t>(got));
  const auto headerEnd = in_.find("\r\n\r\n");
  if (headerEnd == std::string::npos) {
    if (in_.size() > kHandshakeBytesMax) end(EndKind::kHandshakeRejected, 0, "upgrade response too long");
    return;
  }
  // "HTTP/1.1 101 Switching Protocols"
  const auto space = in_.find(' ');
  const int status = space == std::string::npos ? 0 : std::atoi(in_.c_str() + space + 1);
  if (status != 101) {
    end(EndKind::kHandshakeRejected, status, in_.substr(0, in_.find("\r\n")));
    return;
  }
  std::string rest = in_.substr(headerEnd + 4);
  in_.clear();
  in_.shrink_to_fit();  // an idle subscriber should hold no buffer
  state_ = State::kOpen;
  openedAtUs_ = nowUs();
  listener_.onOpen(*this);
  if (state_ == State::kOpen && !rest.empty()) {
    const std::size_t used = handleFrames(rest, openedAtUs_);
    if (used != std::string::npos) in_ = rest.substr(used);
  }
}

void WsClient::readFrames() {
  char* buffer = sharedReadBuffer();
  const ssize_t got = receive(buffer, kReadBytes);
  if (got <= 0) {
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
    end(got == 0 ? EndKind::kEof : EndKind::kError, got == 0 ? 0 : errno,
        got == 0 ? "connection closed without a close frame" : std::strerror(errno));
    return;
  }
  const std::int64_t receivedAtUs = nowUs();
  if (in_.empty()) {
    // The common case: whole frames, parsed in place with no copy.
    std::string_view data(buffer, static_cast<std::size_t>(got));
    const std::size_t used = handleFrames(data, receivedAtUs);
    if (used != std::string::npos && used < data.size()) in_.assign(data.substr(used));
    return;
  }
  in_.append(buffer, static_cast<std::size_t>(got));
  const std::size_t used = handleFrames(in_, receivedAtUs);
  if (used != std::string::npos) in_.erase(0, used);
}

std::size_t WsClient::handleFrames(std::string_view data, std::int64_t receivedAtUs) {
  std::size_t used = 0;
  std::string error;
  while (used < data.size()) {
    FrameView frame;
    const ParseStatus status = parseServerFrame(data.substr(used), kPayloadMax, frame, error);
    if (status == ParseStatus::kIncomplete) break;
    if (status == ParseStatus::kError) {
      end(EndKind::kError, 1002, error);
      return std::string::npos;
    }
    used += frame.frameBytes;
    switch (frame.opcode) {
      case Opcode::kText:
        if (frame.fin) listener_.onText(*this, frame.payload, receivedAtUs);
        else fragments_.assign(frame.payload);
        break;
      case Opcode::kContinuation:
        fragments_.append(frame.payload);
        if (frame.fin) {
          listener_.onText(*this, fragments_, receivedAtUs);
          fragments_.clear();
        }
        break;
      case Opcode::kPing:
        appendClientFrame(out_, Opcode::kPong, frame.payload, nextMask());
        flush();
        break;
      case Opcode::kClose: {
        const int code = closeCodeOf(frame.payload);
        std::string reason(frame.payload.size() > 2 ? frame.payload.substr(2) : std::string_view{});
        if (!closeSent_) {
          appendClientFrame(out_, Opcode::kClose,
                            frame.payload.substr(0, std::min<std::size_t>(2, frame.payload.size())), nextMask());
          flush();
        }
        end(EndKind::kServerClose, code, reason);
        return std::string::npos;
      }
      case Opcode::kBinary:
      case Opcode::kPong:
        break;
    }
    if (state_ != State::kOpen) return std::string::npos;
  }
  return used;
}

void WsClient::flush() {
  while (!out_.empty() && fd_ >= 0) {
    const ssize_t wrote = transmit(out_.data(), out_.size());
    if (wrote < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      if (state_ != State::kEnded) end(EndKind::kError, errno, std::strerror(errno));
      return;
    }
    out_.erase(0, static_cast<std::size_t>(wrote));
  }
  updateInterest();
}

void WsClient::updateInterest() {
  if (fd_ < 0 || state_ == State::kConnecting || state_ == State::kEnded) return;
  // The first call after connecting switches from EPOLLOUT-only to reading. EPOLLOUT only
  // while bytes wait: a socket with room would otherwise wake the loop for nothing.
  const std::uint32_t wanted = (reading_ ? EPOLLIN : EPOLLRDHUP) | (out_.empty() ? 0u : EPOLLOUT);
  if (wanted == interest_) return;
  interest_ = wanted;
  loop_.modify(fd_, wanted, *this);
}

void WsClient::end(EndKind kind, int code, const std::string& detail) {
  abandon();
  out_.clear();
  out_.shrink_to_fit();
  in_.clear();
  in_.shrink_to_fit();
  listener_.onEnded(*this, kind, code, detail);
}

std::uint32_t WsClient::nextMask() {
  // xorshift32: masking keys need not be secret for a load generator, only varied.
  maskState_ ^= maskState_ << 13;
  maskState_ ^= maskState_ >> 17;
  maskState_ ^= maskState_ << 5;
  return maskState_;
}

}  // namespace spread::bench
