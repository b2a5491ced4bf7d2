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
  writeRequests_.push_back(std::move(connection));
  wake();
}

void VirtualLoop::scheduleTurn(int handle) {
  auto found = connections_.find(handle);
  if (found == connections_.end() || found->second.turnPosted) return;
  found->second.turnPosted = true;
  turnsDue_.push_back(handle);
  wake();
}

void VirtualLoop::wake() {
  if (wakePosted_) return;
  wakePosted_ = true;
  post([this] { serveReady(); });
}

void VirtualLoop::serveReady() {
  wakePosted_ = false;
  servingWrites_.swap(writeRequests_);
  servingTurns_.swap(turnsDue_);
  for (std::shared_ptr<LoopConnection>& connection : servingWrites_) {
    const int handle = connection->handle();
    auto found = connections_.find(handle);
    if (found == connections_.end() || found->second.connection != connection) continue;
    guarded(*connection, [&] { connection->onWritable(); });
    update(handle);
  }
  servingWrites_.clear();
  for (int handle : servingTurns_) turn(handle);
  servingTurns_.clear();
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
  // A deadline that moved later keeps its timer, which re-arms when it fires early: most
  // deadlines move on every read and write, and re-arming each time would cost a cancel
  // and a timer per byte batch.
  if (!deadline) {
    executor_.cancel(entry.timer);
    entry.timer = core::TimerId::kNone;
    entry.deadline.reset();
  } else if (entry.timer == core::TimerId::kNone) {
    // No timer: none was needed, or it fired for entry.deadline, which is not served twice.
    if (deadline != entry.deadline) arm(entry, handle, *deadline);
  } else if (*deadline < *entry.deadline) {
    arm(entry, handle, *deadline);
  }
}

void VirtualLoop::arm(Entry& entry, int handle, core::TimePoint deadline) {
  executor_.cancel(entry.timer);
  entry.deadline = deadline;
  const core::Duration left = deadline - clock_.now();
  entry.timer = executor_.postAfter(left > core::Duration::zero() ? left : core::Duration::zero(),
                                    [weak = std::weak_ptr<VirtualLoop*>(self_), this, handle, deadline] {
                                      if (weak.lock()) onTimer(handle, deadline);
                                    });
}

void VirtualLoop::onTimer(int handle, core::TimePoint armedFor) {
  auto found = connections_.find(handle);
  if (found == connections_.end() || found->second.deadline != armedFor) return;
  Entry& entry = found->second;
  entry.timer = core::TimerId::kNone;
  entry.deadline.reset();
  const std::shared_ptr<LoopConnection> connection = entry.connection;
  const std::optional<core::TimePoint> deadline = connection->deadline();
  if (!deadline) return;
  if (*deadline > clock_.now()) {
    arm(entry, handle, *deadline);  // it moved on since the timer was set
    return;
  }
  // As on the epoll loop, a deadline fires once: a handler that leaves it where it was is
  // not called again for it.
  entry.deadline = deadline;
  guarded(*connection, [&] { connection->onDeadline(clock_.now()); });
  update(handle);
}

void VirtualLoop::closeAll() {
  writeRequests_.clear();
  turnsDue_.clear();
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
