#pragma once

#include <Poco/Net/ServerSocket.h>

#include <optional>
#include <span>

#include "client_intake.h"
#include "io/loop_connection.h"

namespace spread::plugins::websocket {

/// A public listening socket, owned by one epoll loop: accepts every client connection
/// there, attaches it to the listener's Network (plain sockets, or TLS on the TLS port) and
/// gives it to the ClientIntake. No thread is spent per client or per
/// request. When the process runs out of descriptors, accepting pauses briefly instead of
/// spinning on the ready listener.
/// Loop-thread only, like every LoopConnection.
class Listener final : public LoopConnection {
 public:
  /// `network` outlives the listener and every connection it accepts.
  Listener(Poco::Net::ServerSocket socket, ServingContext& context, Network& network);

  int handle() const override { return fd_; }
  void onAdopted() override {}
  void onReadable(std::span<char> scratch) override;
  void onWritable() override {}
  void onDeadline(core::TimePoint now) override;
  void closeSocket() override;
  void abort() override { finished_ = true; }
  bool wantsRead() const override { return !finished_ && !pausedUntil_; }
  bool wantsWrite() const override { return false; }
  bool finished() const override { return finished_; }
  std::optional<core::TimePoint> deadline() const override { return pausedUntil_; }

 private:
  Poco::Net::ServerSocket socket_;
  const int fd_;
  core::Clock& clock_;
  Network& network_;
  ClientIntake intake_;
  std::optional<core::TimePoint> pausedUntil_;
  bool finished_ = false;
};

}  // namespace spread::plugins::websocket
