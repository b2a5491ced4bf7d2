#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "io/loop.h"
#include "spread/core/clock.h"

namespace spread::plugins::websocket {


/// The Loop of real sockets: one thread owning many of them through epoll (upgraded
/// WebSockets, kept-alive HTTP connections, the listener): it reads what clients send,
/// writes what is queued for them, and enforces their deadlines. A transport runs a fixed
/// number of these, so the thread count does not grow with the number of clients. Other
/// threads reach it only through adopt(), requestWrite(), closeAll() and stop(), which queue
/// a request and wake the loop through an eventfd.
class EpollLoop final : public Loop {
 public:
  /// Creates the epoll and eventfd descriptors. Throws std::system_error if it cannot.
  explicit EpollLoop(core::Clock& clock);
  ~EpollLoop() override;  // stop()

  EpollLoop(const EpollLoop&) = delete;
  EpollLoop& operator=(const EpollLoop&) = delete;

  void start();

  Network& network() override;
  /// Thread-safe.
  void adopt(std::shared_ptr<LoopConnection> connection) override;
  /// Thread-safe.
  void requestWrite(std::shared_ptr<LoopConnection> connection) override;
  /// Closes every socket the loop owns, at once, without a closing handshake (the shutdown
  /// deadline has passed). Thread-safe; the loop keeps running.
  void closeAll();
  /// Closes every socket and joins the thread. Idempotent. Not from the loop's own thread.
  void stop();

  /// Sockets owned right now.
  std::size_t size() const { return size_.load(); }

 private:
  struct Entry {
    std::shared_ptr<LoopConnection> connection;
    std::uint32_t events = 0;
    std::optional<core::TimePoint> deadline;
  };

  void run();
  /// Waits up to `timeoutMs` for ready sockets and handles them; false if epoll failed.
  /// `takeWake`: consume the wake-up eventfd (only when requests are taken next).
  bool poll(int timeoutMs, bool takeWake);
  void wake();
  /// Handles queued requests; returns false when the loop must exit.
  bool takeRequests();
  void add(std::shared_ptr<LoopConnection> connection);
  /// Takes `fd` out of the poll set and the connection map, and returns its connection.
  std::shared_ptr<LoopConnection> remove(int fd);
  /// Brings epoll and the deadline set in line with what the connection now wants, and
  /// closes it if it has finished.
  void update(int fd);
  void closeEverything();
  /// Runs one of `connection`'s handlers; an exception aborts that connection only.
  template <class Handler>
  void guarded(LoopConnection& connection, Handler&& handler);
  void expireDeadlines();
  int pollTimeoutMs() const;

  core::Clock& clock_;
  int epollFd_ = -1;
  int wakeFd_ = -1;
  std::thread thread_;

  std::mutex mutex_;
  std::vector<std::shared_ptr<LoopConnection>> adopting_;
  std::vector<std::shared_ptr<LoopConnection>> writing_;
  bool wakePending_ = false;
  bool closeAllRequested_ = false;
  bool stopping_ = false;
  bool stopped_ = false;

  // Loop-thread state.
  std::unordered_map<int, Entry> connections_;
  std::set<std::pair<core::TimePoint, int>> deadlines_;
  std::vector<char> scratch_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace spread::plugins::websocket
