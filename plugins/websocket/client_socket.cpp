#include "client_socket.h"

#include <unistd.h>

#include <utility>

#include "spread/transport/metrics.h"

namespace spread::plugins::websocket {

ClientSocket::ClientSocket(int fd, ClientAddress peer, ClientLimits::Slot slot, transport::Metrics& metrics)
    : fd_(fd), peer_(peer), slot_(std::move(slot)), metrics_(&metrics) {
  metrics_->clientConnected();
}

ClientSocket& ClientSocket::operator=(ClientSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    peer_ = other.peer_;
    slot_ = std::move(other.slot_);
    metrics_ = std::exchange(other.metrics_, nullptr);
  }
  return *this;
}

void ClientSocket::close() {
  if (fd_ < 0) return;
  // Uncounted before the descriptor closes, so that a client that has seen the end of its
  // connection never finds it still counted.
  slot_.release();
  if (metrics_ != nullptr) metrics_->clientDisconnected();
  ::close(std::exchange(fd_, -1));
}

}  // namespace spread::plugins::websocket
