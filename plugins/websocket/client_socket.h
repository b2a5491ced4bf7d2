#pragma once

#include "client_address.h"
#include "client_limits.h"

namespace spread::plugins::websocket {

/// An accepted client connection: its non-blocking descriptor, the peer's address, and its
/// place in the client limits. It passes from the HTTP connection to the WebSocket one on
/// an upgrade, so the client is counted once for the whole life of its TCP connection.
/// Move-only; closes (and gives up its place) when destroyed. Owned by one thread at a time.
class ClientSocket {
 public:
  ClientSocket() = default;
  /// Takes ownership of `fd`, and of `slot` (the connection's place in the limits, empty for
  /// a connection that was refused).
  ClientSocket(int fd, ClientAddress peer, ClientLimits::Slot slot)
      : fd_(fd), peer_(peer), slot_(std::move(slot)) {}
  ClientSocket(ClientSocket&& other) noexcept { *this = std::move(other); }
  ClientSocket& operator=(ClientSocket&& other) noexcept;
  ~ClientSocket() { close(); }

  int fd() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  const ClientAddress& peer() const { return peer_; }
  ClientLimits::Slot& slot() { return slot_; }

  /// For a connection that has upgraded and so carries one client from now on: peer()
  /// becomes the address the limits count it against (the client a trusted proxy named).
  /// After this, peer() never changes, so other threads may read it.
  void settleClient() {
    if (slot_.address()) peer_ = *slot_.address();
  }

  /// Closes the descriptor and leaves the counts. Idempotent.
  void close();

 private:
  int fd_ = -1;
  ClientAddress peer_;
  ClientLimits::Slot slot_;
};

}  // namespace spread::plugins::websocket
