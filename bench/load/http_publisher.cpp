#include "http_publisher.h"

#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace spread::bench {
namespace {

constexpr std::size_t kReadBytes = 64 * 1024;

// The value of header `name` (case-insensitive) in `head`, or empty.
std::string_view headerValue(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    const std::size_t start = at + 2;
    const std::size_t end = head.find("\r\n", start);
    std::string_view line = head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.data(), name.data(), name.size()) == 0) {
      std::string_view value = line.substr(name.size() + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return value;
    }
    at = end;
  }
  return {};
}

}  // namespace

HttpPublisher::HttpPublisher(EventLoop& loop, const Endpoint& endpoint, PublisherListener& listener,
                             std::uint32_t id)
    : Publisher(id), loop_(loop), endpoint_(endpoint), listener_(listener) {}

HttpPublisher::~HttpPublisher() { abandon(); }

void HttpPublisher::start() {
  fd_ = startConnect(endpoint_.address);
  if (fd_ < 0) {
    lastError_ = std::string("connect: ") + std::strerror(errno);
    state_ = State::kEnded;
    return;
  }
  state_ = State::kConnecting;
  loop_.add(fd_, EPOLLOUT, *this);
}

void HttpPublisher::abandon() {
  if (fd_ >= 0) {
    loop_.remove(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  // A later start() opens a fresh connection; nothing half-sent or half-read carries over.
  out_.clear();
  in_.clear();
  wantWrite_ = false;
  state_ = State::kEnded;
}

void HttpPublisher::publish(std::string_view msg) {
  const std::string body = chatJson(msg);
  out_ = "POST " + endpoint_.publishTarget + " HTTP/1.1\r\nHost: " + endpoint_.hostHeader +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out_ += body;
  state_ = State::kAwaiting;
  ++sent_;
  flush();
}

void HttpPublisher::onEvents(std::uint32_t events) {
  if (state_ == State::kConnecting) {
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
      lastError_ = std::string("connect: ") + std::strerror(error);
      abandon();
      return;
    }
    state_ = State::kReady;
    wantWrite_ = false;
    loop_.modify(fd_, EPOLLIN, *this);
    listener_.onReady(*this);
    return;
  }
  if ((events & EPOLLOUT) != 0) flush();
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 && fd_ >= 0) readResponses();
}

void HttpPublisher::readResponses() {
  char buffer[kReadBytes];
  const ssize_t got = ::read(fd_, buffer, sizeof buffer);
  if (got <= 0) {
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
    reconnect(got == 0 ? "server closed the connection" : std::strerror(errno));
    return;
  }
  in_.append(buffer, static_cast<std::size_t>(got));
  while (takeResponse()) {
  }
}

bool HttpPublisher::takeResponse() {
  const std::size_t headEnd = in_.find("\r\n\r\n");
  if (headEnd == std::string::npos) return false;
  std::string_view head(in_.data(), headEnd + 2);
  const std::size_t bodySize = static_cast<std::size_t>(std::atoll(std::string(headerValue(head, "Content-Length")).c_str()));
  if (in_.size() < headEnd + 4 + bodySize) return false;
  const auto space = head.find(' ');
  const int status = space == std::string_view::npos ? 0 : std::atoi(in_.c_str() + space + 1);
  const std::string_view connection = headerValue(head, "Connection");
  closeAfterAnswer_ = connection.size() == 5 && strncasecmp(connection.data(), "close", 5) == 0;
  if (status == 204 || status == 200) {
    ++accepted_;
  } else {
    ++failed_;
    lastError_ = in_.substr(0, in_.find("\r\n")) + " " + in_.substr(headEnd + 4, std::min<std::size_t>(bodySize, 200));
  }
  in_.erase(0, headEnd + 4 + bodySize);
  state_ = State::kReady;
  if (closeAfterAnswer_) {
    reconnect("");  // onReady follows once the new connection is up
    return false;
  }
  listener_.onReady(*this);
  return true;
}

void HttpPublisher::flush() {
  while (!out_.empty() && fd_ >= 0) {
    const ssize_t wrote = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (wrote < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      reconnect(std::strerror(errno));
      return;
    }
    out_.erase(0, static_cast<std::size_t>(wrote));
  }
  // Only a partial write needs EPOLLOUT; skipping the epoll_ctl otherwise saves a syscall per publish.
  if (fd_ >= 0 && out_.empty() != !wantWrite_) {
    wantWrite_ = !out_.empty();
    loop_.modify(fd_, EPOLLIN | (wantWrite_ ? EPOLLOUT : 0u), *this);
  }
}

void HttpPublisher::reconnect(const std::string& why) {
  if (state_ == State::kAwaiting) {
    ++failed_;
    ++unanswered_;
    lastError_ = "no answer: " + why;
  }
  abandon();
  out_.clear();
  in_.clear();
  ++reconnects_;
  start();
}

}  // namespace spread::bench
