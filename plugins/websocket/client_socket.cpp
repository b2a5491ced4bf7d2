#include "client_socket.h"

#include <unistd.h>

#include <utility>

namespace spread::plugins::websocket {

ClientSocket& ClientSocket::operator=(ClientSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    peer_ = other.peer_;
    slot_ = std::move(other.slot_);
  }
  return *this;
}

void ClientSocket::close() {
  if (fd_ < 0) return;
  // Uncounted before the descriptor closes, so that a client that has seen the end of its
  // connection never finds it still counted.
  slot_.release();
  ::close(std::exchange(fd_, -1));
}

}  // namespace spread::plugins::websocket
