#pragma once

#include <span>
#include <string_view>

#include "admission/client_address.h"
#include "admission/client_limits.h"
#include "io/network.h"

namespace spread::plugins::websocket {

/// An accepted client connection: its handle on the network (a non-blocking descriptor, on
/// real sockets), the peer's address, and its place in the client limits. It passes from
/// the HTTP connection to the WebSocket one on an upgrade, so the client is counted once for
/// the whole life of its connection. Move-only; closes (and gives up its place) when
/// destroyed. Owned by one thread at a time.
class ClientSocket {
 public:
  ClientSocket() = default;
  /// Takes ownership of `handle` on `network`, and of `slot` (the connection's place in the
  /// limits, empty for a connection that was refused).
  ClientSocket(Network& network, int handle, ClientAddress peer, ClientLimits::Slot slot)
      : network_(&network), handle_(handle), peer_(peer), slot_(std::move(slot)) {}
  ClientSocket(ClientSocket&& other) noexcept { *this = std::move(other); }
  ClientSocket& operator=(ClientSocket&& other) noexcept;
  ~ClientSocket() { close(); }

  int handle() const { return handle_; }
  /// What the handle reads and writes through (plain sockets, TLS, or the in-memory one).
  Network& network() const { return *network_; }
  bool open() const { return handle_ >= 0; }
  const ClientAddress& peer() const { return peer_; }
  ClientLimits::Slot& slot() { return slot_; }

  IoResult read(std::span<char> into) { return network_->read(handle_, into); }
  IoResult write(std::span<const iovec> parts) { return network_->write(handle_, parts); }
  IoResult write(std::string_view bytes) { return network_->write(handle_, bytes); }
  void shutdownWrite() { network_->shutdownWrite(handle_); }

  /// For a connection that has upgraded and so carries one client from now on: peer()
  /// becomes the address the limits count it against (the client a trusted proxy named).
  /// After this, peer() never changes, so other threads may read it.
  void settleClient() {
    if (slot_.address()) peer_ = *slot_.address();
  }

  /// Closes the connection and leaves the counts. Idempotent.
  void close();

 private:
  Network* network_ = nullptr;
  int handle_ = -1;
  ClientAddress peer_;
  ClientLimits::Slot slot_;
};

}  // namespace spread::plugins::websocket
