#include "listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>

#include <unistd.h>

namespace spread::plugins::websocket {

namespace {

// Connections taken per readiness, so that a flood of connects does not starve the other
// sockets of this loop.
constexpr int kAcceptsPerTurnMax = 64;
// How long accepting pauses when the process has no descriptor left for a new connection.
constexpr auto kOutOfDescriptorsPause = std::chrono::milliseconds(100);

}  // namespace

Listener::Listener(Poco::Net::ServerSocket socket, ServingContext& context, Network& network)
    : socket_(std::move(socket)),
      fd_(socket_.impl()->sockfd()),
      clock_(context.transport.clock),
      network_(network),
      intake_(context) {}

void Listener::onReadable(std::span<char>) {
  for (int i = 0; i < kAcceptsPerTurnMax && !finished_; ++i) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (!network_.attach(fd)) {
        ::close(fd);  // out of memory for its TLS state; the client sees its connection end
        continue;
      }
      intake_.admit(network_, fd, ClientAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&address)));
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      pausedUntil_ = clock_.now() + kOutOfDescriptorsPause;
    }
    return;  // EAGAIN: nothing more to accept now
  }
}

void Listener::onDeadline(core::TimePoint now) {
  if (pausedUntil_ && now >= *pausedUntil_) pausedUntil_.reset();
}

void Listener::closeSocket() {
  finished_ = true;
  try {
    socket_.close();
  } catch (...) {
    // The descriptor is released either way.
  }
}

}  // namespace spread::plugins::websocket
