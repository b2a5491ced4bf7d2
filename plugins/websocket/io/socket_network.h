#pragma once

#include "io/network.h"

namespace spread::plugins::websocket {

/// The Network of real, non-blocking sockets: handles are file descriptors. Stateless, so
/// one instance serves every loop.
class SocketNetwork final : public Network {
 public:
  static SocketNetwork& instance();

  IoResult read(int handle, std::span<char> into) override;
  IoResult write(int handle, std::span<const iovec> parts) override;
  using Network::write;
  void shutdownWrite(int handle) override;
  void close(int handle) override;
};

}  // namespace spread::plugins::websocket
