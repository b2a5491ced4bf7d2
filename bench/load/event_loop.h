#pragma once

#include <cstdint>

namespace spread::bench {

/// Something with a file descriptor in the loop.
class EventHandler {
 public:
  virtual ~EventHandler() = default;
  /// Called with the epoll event bits that fired (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP).
  virtual void onEvents(std::uint32_t events) = 0;
};

/// A thin, level-triggered epoll loop for one thread: spread-bench keeps every socket on
/// one thread so the load it generates costs one core. Not thread-safe.
class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Watches `fd` for `events` on behalf of `handler`, which must outlive the watch.
  void add(int fd, std::uint32_t events, EventHandler& handler);
  void modify(int fd, std::uint32_t events, EventHandler& handler);
  void remove(int fd);

  /// Waits up to `timeoutMs` (0: poll) and dispatches what fired. Returns how many did.
  int runOnce(int timeoutMs);

 private:
  int epollFd_;
};

/// A one-shot timerfd in the loop, for publishing at a fixed rate with microsecond
/// resolution (epoll_wait's own timeout is in milliseconds). Fires `onEvents` of the
/// handler given at construction; re-arm it from there.
class Timer final : public EventHandler {
 public:
  Timer(EventLoop& loop, EventHandler& target);
  ~Timer() override;
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  /// Fires once at `atUs` on nowUs()'s clock (at once if that has passed).
  void armAt(std::int64_t atUs);
  void onEvents(std::uint32_t events) override;

 private:
  EventLoop& loop_;
  EventHandler& target_;
  int fd_;
};

/// Monotonic microseconds, the clock of every stamp and interval in spread-bench.
std::int64_t nowUs();

}  // namespace spread::bench
