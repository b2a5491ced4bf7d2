#include "client_socket.h"

#include <utility>

namespace spread::plugins::websocket {

ClientSocket& ClientSocket::operator=(ClientSocket&& other) noexcept {
  if (this != &other) {
    close();
    network_ = other.network_;
    handle_ = std::exchange(other.handle_, -1);
    peer_ = other.peer_;
    slot_ = std::move(other.slot_);
  }
  return *this;
}

void ClientSocket::close() {
  if (handle_ < 0) return;
  // Uncounted before the connection closes, so that a client that has seen the end of its
  // connection never finds it still counted.
  slot_.release();
  network_->close(std::exchange(handle_, -1));
}

}  // namespace spread::plugins::websocket
