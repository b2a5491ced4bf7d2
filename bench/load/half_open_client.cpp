#include "half_open_client.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace spread::bench {
namespace {

constexpr std::size_t kAnswerBytesKept = 64;  // enough for the status line's code

}  // namespace

HalfOpenClient::HalfOpenClient(EventLoop& loop, const Endpoint& endpoint, HalfOpenListener& listener)
    : loop_(loop), endpoint_(endpoint), listener_(listener) {}

HalfOpenClient::~HalfOpenClient() { abandon(); }

void HalfOpenClient::start(std::uint32_t permille) {
  const std::string request = "GET " + endpoint_.subscribeTarget + " HTTP/1.1\r\nHost: " + endpoint_.hostHeader +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: c3ByZWFkLWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  std::size_t bytes = request.size() * permille / 1000;
  bytes = bytes < 1 ? 1 : (bytes >= request.size() ? request.size() - 1 : bytes);
  out_ = request.substr(0, bytes);
  fd_ = startConnect(endpoint_.address);
  if (fd_ < 0) {
    end(HalfOpenListener::End::kConnectFailed, 0);
    return;
  }
  state_ = State::kConnecting;
  loop_.add(fd_, EPOLLOUT, *this);
}

void HalfOpenClient::abandon() {
  if (fd_ >= 0) {
    loop_.remove(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  state_ = State::kEnded;
}

void HalfOpenClient::onEvents(std::uint32_t events) {
  if (state_ == State::kConnecting) {
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
      end(HalfOpenListener::End::kConnectFailed, 0);
      return;
    }
    // A few hundred bytes always fit an empty socket buffer: one send is the whole prefix.
    if (::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL) < 0) {
      end(errno == ECONNRESET ? HalfOpenListener::End::kReset : HalfOpenListener::End::kError, 0);
      return;
    }
    sentAtUs_ = nowUs();
    state_ = State::kWaiting;
    loop_.modify(fd_, EPOLLIN | EPOLLRDHUP, *this);
    return;
  }
  if (state_ != State::kWaiting || (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) == 0) return;
  char buffer[4096];
  while (true) {
    const ssize_t got = ::read(fd_, buffer, sizeof buffer);
    if (got > 0) {
      if (answer_.size() < kAnswerBytesKept) answer_.append(buffer, static_cast<std::size_t>(got));
      continue;
    }
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
    // "HTTP/1.1 408 Request Timeout": the code follows the first space.
    int status = 0;
    if (answer_.rfind("HTTP/", 0) == 0) {
      const std::size_t space = answer_.find(' ');
      if (space != std::string::npos) status = std::atoi(answer_.c_str() + space + 1);
    }
    if (got == 0) end(HalfOpenListener::End::kServerClosed, status);
    else end(errno == ECONNRESET ? HalfOpenListener::End::kReset : HalfOpenListener::End::kError, status);
    return;
  }
}

void HalfOpenClient::end(HalfOpenListener::End how, int status) {
  abandon();
  const std::int64_t heldUs = sentAtUs_ == 0 ? 0 : nowUs() - sentAtUs_;
  listener_.onHalfOpenEnded(*this, how, status, heldUs);
}

}  // namespace spread::bench
