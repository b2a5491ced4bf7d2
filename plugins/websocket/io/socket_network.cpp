#include "io/socket_network.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace spread::plugins::websocket {

namespace {

IoResult failure() {
  if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoResult::Status::kWouldBlock, 0};
  return {IoResult::Status::kFailed, 0};
}

}  // namespace

SocketNetwork& SocketNetwork::instance() {
  static SocketNetwork network;
  return network;
}

IoResult SocketNetwork::read(int handle, std::span<char> into) {
  for (;;) {
    const ssize_t received = ::recv(handle, into.data(), into.size(), MSG_DONTWAIT);
    if (received > 0) return {IoResult::Status::kDone, static_cast<std::size_t>(received)};
    if (received == 0) return {IoResult::Status::kEnded, 0};
    if (errno != EINTR) return failure();
  }
}

IoResult SocketNetwork::write(int handle, std::span<const iovec> parts) {
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(parts.data());
  message.msg_iovlen = parts.size();
  for (;;) {
    const ssize_t sent = ::sendmsg(handle, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent >= 0) return {IoResult::Status::kDone, static_cast<std::size_t>(sent)};
    if (errno != EINTR) return failure();
  }
}

void SocketNetwork::shutdownWrite(int handle) { ::shutdown(handle, SHUT_WR); }

void SocketNetwork::close(int handle) { ::close(handle); }

}  // namespace spread::plugins::websocket
