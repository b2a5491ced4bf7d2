#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "io/loop.h"
#include "io/memory_network.h"
#include "spread/core/clock.h"
#include "spread/core/executor.h"

namespace spread::plugins::websocket {

/// The Loop of the in-memory network: what EpollLoop does for sockets, done as tasks of the
/// executor on its clock, so that under the simulator's ManualExecutor every handler runs
/// in a repeatable order on virtual time. Like epoll it is level-triggered: after each
/// handler it looks at what the connection wants and what its handle can do, and serves it
/// again in a later wake (one read and one write per turn, so connections take turns); a
/// connection's deadline() becomes a timer. As one epoll_wait returns every ready socket,
/// one wake task serves every connection that became ready or asked to write since the
/// last, in that order: a fan-out to a thousand connections costs one task, not a thousand. Single-threaded: every call, adopt() and
/// requestWrite() included, on the executor's thread.
class VirtualLoop final : public Loop {
 public:
  VirtualLoop(MemoryNetwork& network, core::Clock& clock, core::Executor& executor);
  ~VirtualLoop() override;  // stop()

  VirtualLoop(const VirtualLoop&) = delete;
  VirtualLoop& operator=(const VirtualLoop&) = delete;

  Network& network() override { return network_; }
  void adopt(std::shared_ptr<LoopConnection> connection) override;
  void requestWrite(std::shared_ptr<LoopConnection> connection) override;

  /// Closes every connection now, without a goodbye (the shutdown deadline has passed).
  void closeAll();
  /// closeAll(), and from now on adopt() closes what it is given. Idempotent.
  void stop();
  std::size_t size() const { return connections_.size(); }

 private:
  struct Entry {
    std::shared_ptr<LoopConnection> connection;
    std::optional<core::TimePoint> deadline;
    core::TimerId timer = core::TimerId::kNone;
    bool turnPosted = false;
  };

  /// Posts `task` to run on the loop unless the loop is gone by then.
  void post(core::Task task);
  /// Makes sure one wake is posted to serve what is ready.
  void wake();
  /// Serves the write requests and the turns due, in the order they came.
  void serveReady();
  /// Serves `handle` once: a read if it wants one and can, then a write likewise.
  void turn(int handle);
  /// What epoll_ctl and the deadline set do for EpollLoop: closes a finished connection,
  /// schedules its next turn if it can make progress, and arms its deadline.
  void update(int handle);
  void scheduleTurn(int handle);
  /// Sets the timer of `entry` for `deadline`, replacing any other.
  void arm(Entry& entry, int handle, core::TimePoint deadline);
  void onTimer(int handle, core::TimePoint armedFor);
  template <class Handler>
  void guarded(LoopConnection& connection, Handler&& handler);

  MemoryNetwork& network_;
  core::Clock& clock_;
  core::Executor& executor_;
  std::unordered_map<int, Entry> connections_;
  // What the next wake serves: connections that asked to write, then handles due a turn.
  std::vector<std::shared_ptr<LoopConnection>> writeRequests_;
  std::vector<int> turnsDue_;
  std::vector<std::shared_ptr<LoopConnection>> servingWrites_;  // reused, so a wake never allocates
  std::vector<int> servingTurns_;
  bool wakePosted_ = false;
  std::vector<char> scratch_;
  bool stopped_ = false;
  // Tasks hold a weak copy; they do nothing once the loop is destroyed.
  std::shared_ptr<VirtualLoop*> self_;
};

/// A fixed set of virtual loops, dealt out round-robin like the epoll ones.
class VirtualLoopPool final : public LoopPool {
 public:
  VirtualLoopPool(std::size_t loops, MemoryNetwork& network, core::Clock& clock, core::Executor& executor) {
    for (std::size_t i = 0; i < loops; ++i) loops_.push_back(std::make_unique<VirtualLoop>(network, clock, executor));
  }
  VirtualLoop& next() override { return *loops_[next_++ % loops_.size()]; }
  void closeAll() {
    for (auto& loop : loops_) loop->closeAll();
  }
  void stop() {
    for (auto& loop : loops_) loop->stop();
  }
  std::size_t connections() const {
    std::size_t total = 0;
    for (const auto& loop : loops_) total += loop->size();
    return total;
  }

 private:
  std::vector<std::unique_ptr<VirtualLoop>> loops_;
  std::size_t next_ = 0;
};

}  // namespace spread::plugins::websocket
