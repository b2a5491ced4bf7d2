#include "io/virtual_loop.h"

#include <utility>

namespace spread::plugins::websocket {

namespace {
constexpr std::size_t kReadBytesMax = 64 * 1024;  // per read, as on the epoll loop
}  // namespace

VirtualLoop::VirtualLoop(MemoryNetwork& network, core::Clock& clock, core::Executor& executor)
    : network_(network),
      clock_(clock),
      executor_(executor),
      scratch_(kReadBytesMax),
      self_(std::make_shared<VirtualLoop*>(this)) {}

VirtualLoop::~VirtualLoop() { stop(); }

void VirtualLoop::post(core::Task task) {
  // A refusal (the executor has stopped) loses the turn; stop() closes what is left.
  (void)executor_.post([weak = std::weak_ptr<VirtualLoop*>(self_), task = std::move(task)] {
    if (weak.lock()) task();
  });
}

template <class Handler>
void VirtualLoop::guarded(LoopConnection& connection, Handler&& handler) {
  try {
    handler();
  } catch (...) {
    connection.abort();  // as on the epoll loop: only this client is cut off
  }
}

void VirtualLoop::adopt(std::shared_ptr<LoopConnection> connection) {
  if (stopped_) {
    connection->closeSocket();
    return;
  }
  post([this, connection = std::move(connection)] {
    if (stopped_) {
      connection->closeSocket();
      return;
    }
    const int handle = connection->handle();
    connections_[handle] = Entry{connection, std::nullopt, core::TimerId::kNone, false};
    network_.watch(handle, [this, handle] { scheduleTurn(handle); });
    // Writes requested before the adoption were dropped; flush whatever is queued now.
    guarded(*connection, [&] {
      connection->onAdopted();
      connection->onWritable();
    });
    update(handle);
  });
}

void VirtualLoop::requestWrite(std::shared_ptr<LoopConnection> connection) {
  if (stopped_) return;
  post([this, connection = std::move(connection)] {
    const int handle = connection->handle();
    auto found = connections_.find(handle);
    if (found == connections_.end() || found->second.connection != connection) return;
    guarded(*connection, [&] { connection->onWritable(); });
    update(handle);
  });
}

void VirtualLoop::scheduleTurn(int handle) {
  auto found = connections_.find(handle);
  if (found == connections_.end() || found->second.turnPosted) return;
  found->second.turnPosted = true;
  post([this, handle] { turn(handle); });
}

void VirtualLoop::turn(int handle) {
  auto found = connections_.find(handle);
  if (found == connections_.end()) return;
  found->second.turnPosted = false;
  const std::shared_ptr<LoopConnection> connection = found->second.connection;
  guarded(*connection, [&] {
    if (connection->wantsRead() && network_.readable(handle)) connection->onReadable(scratch_);
    if (!connection->finished() && connection->wantsWrite() && network_.writable(handle)) connection->onWritable();
  });
  update(handle);
}

void VirtualLoop::update(int handle) {
  auto found = connections_.find(handle);
  if (found == connections_.end()) return;
  Entry& entry = found->second;
  LoopConnection& connection = *entry.connection;
  if (connection.finished()) {
    const std::shared_ptr<LoopConnection> finished = std::move(entry.connection);
    executor_.cancel(entry.timer);
    connections_.erase(found);
    if (!finished->handedOff()) finished->closeSocket();
    return;
  }
  if ((connection.wantsRead() && network_.readable(handle)) || (connection.wantsWrite() && network_.writable(handle))) {
    scheduleTurn(handle);
  }
  const std::optional<core::TimePoint> deadline = connection.deadline();
  if (deadline && deadline != entry.deadline) {
    executor_.cancel(entry.timer);
    entry.deadline = deadline;
    const core::Duration left = *deadline - clock_.now();
    entry.timer = executor_.postAfter(left > core::Duration::zero() ? left : core::Duration::zero(),
                                      [weak = std::weak_ptr<VirtualLoop*>(self_), this, handle, at = *deadline] {
                                        if (weak.lock()) onTimer(handle, at);
                                      });
  }
}

void VirtualLoop::onTimer(int handle, core::TimePoint deadline) {
  auto found = connections_.find(handle);
  if (found == connections_.end() || found->second.deadline != deadline) return;
  found->second.timer = core::TimerId::kNone;
  const std::shared_ptr<LoopConnection> connection = found->second.connection;
  // As on the epoll loop, a deadline fires once: a handler that leaves it where it was is
  // not called again for it.
  guarded(*connection, [&] { connection->onDeadline(clock_.now()); });
  update(handle);
}

void VirtualLoop::closeAll() {
  auto connections = std::exchange(connections_, {});
  for (auto& [handle, entry] : connections) {
    executor_.cancel(entry.timer);
    entry.connection->closeSocket();
  }
}

void VirtualLoop::stop() {
  stopped_ = true;
  closeAll();
}

}  // namespace spread::plugins::websocket
