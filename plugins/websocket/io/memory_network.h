#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "io/network.h"
#include "spread/core/clock.h"
#include "spread/core/executor.h"

namespace spread::plugins::websocket {

/// An in-memory network on virtual time, standing in for TCP under the simulator and in
/// tests: the server's side is a Network, and clients (simulated ones, or a test) drive the
/// other side through the client*() methods. Each connection is two ordered byte streams
/// with a one-way latency. As with a socket's buffers, what the server has written and the
/// client has not yet taken (in flight or unread) is bounded by the client's receive window,
/// and what the client has sent and the server not yet read by the server's: past them,
/// the server's writes would block, and the client's bytes wait on its side.
///
/// Bytes arrive as tasks of the executor, so under the simulator's ManualExecutor a run is
/// repeatable down to the byte. Single-threaded: every call on the executor's thread.
class MemoryNetwork final : public Network {
 public:
  struct LinkOptions {
    core::Duration latency = core::Duration::zero();     // one way, each direction
    std::size_t clientReceiveBytes = 256 * 1024;         // the client's receive window
    std::size_t serverReceiveBytes = 256 * 1024;         // the server's receive buffer
    std::string peerAddress = "127.0.0.1";               // where the server sees it come from
  };
  /// The server's side of a new connection: take `handle`, which reads and writes here.
  using Accept = std::function<void(int handle, const std::string& peerAddress)>;

  explicit MemoryNetwork(core::Executor& executor) : executor_(executor) {}

  /// Where connections go once their opening reaches the server.
  void listen(Accept accept) { accept_ = std::move(accept); }
  /// A client opens a connection; the server accepts it one latency later. Returns the
  /// handle both sides name it by.
  int connect(LinkOptions link);

  // Network: the server's side.
  IoResult read(int handle, std::span<char> into) override;
  IoResult write(int handle, std::span<const iovec> parts) override;
  using Network::write;
  void shutdownWrite(int handle) override;
  void close(int handle) override;

  /// The loop that owns `handle` is told through `ready` whenever what it can do may have
  /// changed: bytes or the end arrived, the client's window opened.
  void watch(int handle, std::function<void()> ready);
  /// A read would not block: bytes or the end of the stream have arrived, or it broke.
  bool readable(int handle) const;
  /// A write would not block: the client's window has room, or the connection broke.
  bool writable(int handle) const;

  // The client's side.
  /// Sends `bytes`; they reach the server one latency after the server's buffer has room.
  void clientSend(int handle, std::string bytes);
  /// The client sends the end of its stream (a half-close); it can still read.
  void clientShutdownWrite(int handle);
  /// The client vanishes without a goodbye: the server's next read or write fails.
  void clientReset(int handle);
  /// Takes everything that has arrived for the client, opening its window.
  std::string clientTake(int handle);
  /// The server's end of stream (a half-close or a close) has reached the client, after
  /// every byte before it.
  bool clientSawEnd(int handle) const;
  /// The server has closed its side (it released the handle).
  bool serverClosed(int handle) const;

  std::size_t connections() const { return links_.size(); }

 private:
  struct Link {
    LinkOptions options;
    std::function<void()> ready;
    // Client to server.
    std::string clientPending;      // sent by the client, waiting for room on the server's side
    std::size_t towardServer = 0;   // in flight
    std::string serverInbox;        // arrived, not yet read by the server
    bool clientEndPending = false;  // the client half-closed after clientPending
    bool clientEndArrived = false;
    bool reset = false;
    // Server to client.
    std::size_t towardClient = 0;  // in flight
    std::string clientInbox;       // arrived, not yet taken by the client
    bool serverEndSent = false;
    bool serverEndArrived = false;
    bool serverClosed = false;
    bool serverBlocked = false;  // a write found the window full: say when it opens
  };

  Link* find(int handle);
  const Link* find(int handle) const;
  void notify(Link& link);
  /// Moves what the client has sent onto the wire as far as the server's buffer allows.
  void pumpTowardServer(int handle, Link& link);
  void deliverToServer(int handle, std::string bytes, bool end);
  void deliverToClient(int handle, std::string bytes, bool end);
  void after(core::Duration delay, core::Task task);

  core::Executor& executor_;
  Accept accept_;
  std::map<int, Link> links_;
  int nextHandle_ = 1;
};

}  // namespace spread::plugins::websocket
