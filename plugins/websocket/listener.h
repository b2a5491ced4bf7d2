#pragma once

#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "http_connection.h"
#include "loop_connection.h"
#include "route_context.h"

namespace spread::plugins::websocket {

/// The public port's listening socket, owned by one I/O loop: accepts every client
/// connection there, counts it against the connection limits, and deals it to the loops
/// as an HttpConnection. No thread is spent per client or per request.
///
/// A client over connectionsMax or connectionsPerAddressMax still gets an answer (503 with
/// a JSON body, then the end of its connection), up to kRefusingMax refused connections at
/// once; past that, refused connections are closed without one, so refusing costs a
/// flood no more than a few descriptors. When the process runs out of descriptors,
/// accepting pauses briefly instead of spinning on the ready listener.
/// Loop-thread only, like every LoopConnection.
class Listener final : public LoopConnection {
 public:
  Listener(Poco::Net::ServerSocket socket, RouteContext& context, HttpConnection::Options options);

  int fd() const override { return fd_; }
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
  void accepted(int fd, const ClientAddress& peer);

  Poco::Net::ServerSocket socket_;
  const int fd_;
  RouteContext& context_;
  const HttpConnection::Options options_;
  // Refused connections still being answered; shared with their tokens, which may outlive
  // the listener.
  const std::shared_ptr<std::atomic<std::int64_t>> refusing_;
  std::optional<core::TimePoint> pausedUntil_;
  bool finished_ = false;
};

}  // namespace spread::plugins::websocket
