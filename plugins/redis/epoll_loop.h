#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace spread::plugins::redis {

/// The readiness loop under a RedisLink: one epoll set plus an eventfd that other threads
/// signal through wake(). Every method but wake() runs on the one thread that calls wait().
class EpollLoop {
 public:
  struct Event {
    std::uint64_t key;
    std::uint32_t events;
  };

  /// Throws std::system_error when the descriptors cannot be made.
  EpollLoop();
  ~EpollLoop();
  EpollLoop(const EpollLoop&) = delete;
  EpollLoop& operator=(const EpollLoop&) = delete;

  /// Watches `fd` for `events` (EPOLLIN, EPOLLOUT), reported under `key`. Both return 0 or
  /// the errno of epoll_ctl; they do not throw, since they run inside hiredis' C callbacks.
  int add(int fd, std::uint64_t key, std::uint32_t events);
  int modify(int fd, std::uint64_t key, std::uint32_t events);
  /// Stops watching `fd`; it must still be open.
  void remove(int fd);

  /// Makes the current or next wait() return. Thread-safe.
  void wake();

  /// Waits at most `timeout` for readiness or a wake(), and returns what became ready (the
  /// wake-up itself is consumed, not reported). The vector is reused by the next call.
  const std::vector<Event>& wait(std::chrono::milliseconds timeout);

 private:
  int epoll_ = -1;
  int wakeFd_ = -1;
  std::vector<Event> ready_;
};

}  // namespace spread::plugins::redis
