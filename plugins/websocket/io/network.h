#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <string_view>

namespace spread::plugins::websocket {

/// What one non-blocking read or write did.
struct IoResult {
  enum class Status {
    kDone,        // `bytes` moved (a read: at least one)
    kWouldBlock,  // nothing can move now; the loop says when to try again
    kEnded,       // a read found the end of the peer's stream
    kFailed,      // the connection is broken (reset, or the peer is gone)
  };
  Status status = Status::kDone;
  std::size_t bytes = 0;

  bool done() const { return status == Status::kDone; }
};

/// The seam between the protocol stack and the world. Every byte a client connection reads
/// or writes, and every half-close and close, goes through here, by the handle its
/// LoopConnection reports; readiness, deadlines and "run this on the loop" are the Loop's
/// (loop.h). Two implementations: real sockets (socket_network.h, under epoll_loop.h) and
/// an in-memory network on virtual time (memory_network.h, under virtual_loop.h), so the
/// HTTP parser, the WebSocket codec, the outbound queue and every timeout run unchanged
/// under the simulator. Calls never block.
class Network {
 public:
  virtual ~Network() = default;

  /// Starts serving `handle`, a connection just accepted, before anything is read or
  /// written on it (TLS sets up its handshake here). False if it cannot; the caller then
  /// closes the handle.
  virtual bool attach(int /*handle*/) { return true; }
  /// False where nothing can be sent before the peer has spoken (TLS: the client's hello
  /// starts the handshake), so a connection refused at once gets no answer there.
  virtual bool writesBeforeFirstRead() const { return true; }
  /// Reads what has arrived, up to into.size() bytes.
  virtual IoResult read(int handle, std::span<char> into) = 0;
  /// Writes as much of `parts`, in order, as the connection takes now.
  virtual IoResult write(int handle, std::span<const iovec> parts) = 0;
  IoResult write(int handle, std::string_view bytes) {
    const iovec part{const_cast<char*>(bytes.data()), bytes.size()};
    return write(handle, std::span<const iovec>(&part, 1));
  }
  /// Sends the end of our stream once what was written has gone; reading carries on.
  virtual void shutdownWrite(int handle) = 0;
  /// Releases the handle; the peer sees the end of the stream.
  virtual void close(int handle) = 0;
};

}  // namespace spread::plugins::websocket
