#pragma once

#include <memory>

#include "io/loop_connection.h"
#include "io/network.h"

namespace spread::plugins::websocket {

/// Where client connections live: one thread of control that polls them for what they want
/// (LoopConnection::wantsRead, wantsWrite, deadline) and calls their handlers, never two at
/// once. EpollLoop serves real sockets on its own thread; VirtualLoop serves the in-memory
/// network as tasks of the simulator's executor, on virtual time.
class Loop {
 public:
  virtual ~Loop() = default;

  /// The network the loop's connections read and write through.
  virtual Network& network() = 0;
  /// Takes ownership of `connection`'s handle. After the loop has stopped, the connection
  /// is closed at once instead.
  virtual void adopt(std::shared_ptr<LoopConnection> connection) = 0;
  /// Asks the loop to call `connection`'s onWritable() soon, on the loop: it has something
  /// new to write, or wants its wantsRead() looked at again. Never calls it from within.
  virtual void requestWrite(std::shared_ptr<LoopConnection> connection) = 0;
};

/// The transport's loops; new connections are dealt out round-robin.
class LoopPool {
 public:
  virtual ~LoopPool() = default;
  virtual Loop& next() = 0;
};

}  // namespace spread::plugins::websocket
