#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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
    // Extra delay of each server write, drawn from [0, jitter]; bytes still arrive in order,
    // as on one TCP stream.
    core::Duration jitter = core::Duration::zero();
  };
  /// The server's side of a new connection: take `handle`, which reads and writes here.
  using Accept = std::function<void(int handle, const std::string& peerAddress)>;

  MemoryNetwork(core::Clock& clock, core::Executor& executor) : clock_(clock), executor_(executor) {}

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

  /// Calls `arrived` whenever bytes or the server's end reach the client (a simulated
  /// client's "readable"). Null stops the calls.
  void clientWatch(int handle, std::function<void()> arrived);
  /// What has arrived for the client and it has not taken yet, without taking it.
  std::string_view clientPeek(int handle) const;
  /// Takes the first `bytes` of clientPeek(), opening the client's window by as much: a
  /// client that reads one frame at a time takes one frame at a time.
  void clientConsume(int handle, std::size_t bytes);
  /// The client is done with the connection (after its close or its reset): the link is
  /// forgotten once the server has closed its side too.
  void clientRelease(int handle);
  /// Bytes the server has written that the client has not taken: in flight plus unread.
  std::size_t clientHeldBytes(int handle) const;

  /// Seeds the jitter's random draws; the same seed gives the same delays.
  void seedJitter(std::uint64_t seed) { jitterState_ = seed; }
  /// Moves into `out` (cleared first) every handle the server wrote to since the last call:
  /// the only links whose client's window can have filled further.
  void takeWrittenTo(std::vector<int>& out);
  /// A deliberate bug, for proving a harness's checks: from now on the server's writes
  /// ignore the client's receive window.
  void ignoreReceiveWindows() { windowsIgnored_ = true; }

  std::size_t connections() const { return linksOpen_; }

 private:
  struct InFlight {
    std::string bytes;
    bool end = false;  // the server's end of stream, after the bytes
  };
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
    std::size_t towardClient = 0;  // in flight: the bytes of inFlight
    std::deque<InFlight> inFlight;
    std::string clientInbox;       // arrived; from clientTaken on, not yet taken by the client
    std::size_t clientTaken = 0;   // taken off the front, dropped when it is worth the copy
    std::size_t clientUnread() const { return clientInbox.size() - clientTaken; }
    bool serverEndSent = false;
    bool serverEndArrived = false;
    bool serverClosed = false;
    bool serverBlocked = false;  // a write found the window full: say when it opens
    core::TimePoint lastArrival{};  // of the latest server write, which the next never overtakes
    std::function<void()> clientArrived;
    bool clientReleased = false;
  };

  Link* find(int handle);
  const Link* find(int handle) const;
  void notify(Link& link);
  /// Moves what the client has sent onto the wire as far as the server's buffer allows.
  void pumpTowardServer(int handle, Link& link);
  void deliverToServer(int handle, std::string bytes, bool end);
  /// Sends `bytes` (and the end of the stream, if `end`) on their way to the client.
  void sendTowardClient(int handle, Link& link, std::string bytes, bool end);
  /// The first of what is in flight toward the client arrives.
  void deliverToClient(int handle);
  void after(core::Duration delay, core::Task task);
  /// When a server write (or end) sent now reaches the client: one latency plus jitter,
  /// never before what was sent earlier.
  core::Duration towardClientDelay(Link& link);
  /// Forgets the link once both sides are done with it.
  void forgetIfDone(int handle, const Link& link);
  void forget(int handle);

  core::Clock& clock_;
  core::Executor& executor_;
  Accept accept_;
  // By handle - 1: handles are handed out in order and never reused, so a link is found
  // with one index; a forgotten one leaves a null behind (eight bytes per connection made).
  std::vector<std::unique_ptr<Link>> links_;
  std::size_t linksOpen_ = 0;
  int nextHandle_ = 1;
  std::uint64_t jitterState_ = 1;
  std::vector<int> writtenTo_;
  bool windowsIgnored_ = false;
};

}  // namespace spread::plugins::websocket
