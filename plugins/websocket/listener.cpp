#include "listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "io_loop.h"

namespace spread::plugins::websocket {

namespace {

using transport::Limit;
using transport::Rejection;

// Connections taken per readiness, so that a flood of connects does not starve the other
// sockets of this loop.
constexpr int kAcceptsPerTurnMax = 64;
// How long accepting pauses when the process has no descriptor left for a new connection.
constexpr auto kOutOfDescriptorsPause = std::chrono::milliseconds(100);
// Refused connections being answered at once; beyond this they are closed unanswered.
constexpr std::int64_t kRefusingMax = 1024;

}  // namespace

Listener::Listener(Poco::Net::ServerSocket socket, RouteContext& context, HttpConnection::Options options)
    : socket_(std::move(socket)),
      fd_(socket_.impl()->sockfd()),
      context_(context),
      options_(options),
      refusing_(std::make_shared<std::atomic<std::int64_t>>(0)) {}

void Listener::onReadable(std::span<char>) {
  for (int i = 0; i < kAcceptsPerTurnMax && !finished_; ++i) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      accepted(fd, ClientAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&address)));
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      pausedUntil_ = context_.transport.clock.now() + kOutOfDescriptorsPause;
    }
    return;  // EAGAIN: nothing more to accept now
  }
}

void Listener::accepted(int fd, const ClientAddress& peer) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  transport::Metrics& metrics = context_.transport.metrics;
  const WebSocketConfig& config = context_.config;
  // A trusted proxy's connection carries many clients; each request says which one.
  const bool countPeer = !config.trustedProxies.trusts(peer);
  ClientLimits::Slot slot;
  const ClientLimits::Refusal refusal = context_.clients.admit(peer, countPeer, slot);
  std::optional<HttpAnswer> answer;
  if (refusal != ClientLimits::Refusal::kNone) {
    const bool total = refusal == ClientLimits::Refusal::kConnectionsMax;
    const std::size_t limit = total ? config.clients.connectionsMax : config.clients.connectionsPerAddressMax;
    if (refusing_->load() >= kRefusingMax) {
      metrics.rejected(Rejection::kTooManyConnections);
      metrics.limitRefused(total ? Limit::kConnectionsMax : Limit::kConnectionsPerAddressMax);
      ::close(fd);
      return;
    }
    answer = HttpAnswer::limitRefusal(
        metrics, Rejection::kTooManyConnections, total ? Limit::kConnectionsMax : Limit::kConnectionsPerAddressMax,
        503,
        total ? "too many connections to this server; the limit is " + std::to_string(limit)
              : "too many connections from " + peer.toString() + "; the limit is " + std::to_string(limit));
    answer->headers.emplace_back("Retry-After", "1");
  }
  IoLoop& loop = context_.loops.next();
  ClientSocket socket(fd, peer, std::move(slot));
  auto connection = std::make_shared<HttpConnection>(std::move(socket), loop, context_, options_, std::move(answer));
  if (refusal != ClientLimits::Refusal::kNone) {
    // Counted until the refused connection is gone: the token goes with it.
    refusing_->fetch_add(1);
    connection->holdUntilClosed(
        std::shared_ptr<void>(nullptr, [refusing = refusing_](void*) { refusing->fetch_sub(1); }));
  }
  loop.adopt(std::move(connection));
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
