#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "io/epoll_loop.h"

namespace spread::plugins::websocket {

/// The transport's fixed set of epoll loops; new connections are dealt out round-robin, and
/// the first loop also owns the listening socket.
/// next() is thread-safe; start/closeAll/stop are called by the transport.
class EpollLoopPool final : public LoopPool {
 public:
  /// Throws std::system_error if a loop cannot be created.
  EpollLoopPool(std::size_t loops, core::Clock& clock) {
    for (std::size_t i = 0; i < loops; ++i) loops_.push_back(std::make_unique<EpollLoop>(clock));
  }

  void start() {
    for (auto& loop : loops_) loop->start();
  }
  EpollLoop& next() override { return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]; }
  EpollLoop& first() { return *loops_.front(); }
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
  std::vector<std::unique_ptr<EpollLoop>> loops_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace spread::plugins::websocket
