#include "epoll_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace spread::plugins::redis {

namespace {

// The eventfd's key; connections use small keys with a generation in the high bits, never this one.
constexpr std::uint64_t kWakeKey = ~std::uint64_t{0};

}  // namespace

EpollLoop::EpollLoop() {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  wakeFd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd_ < 0) {
    int error = errno;
    ::close(epoll_);
    throw std::system_error(error, std::generic_category(), "eventfd");
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeKey;
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, wakeFd_, &event) < 0) {
    int error = errno;
    ::close(wakeFd_);
    ::close(epoll_);
    throw std::system_error(error, std::generic_category(), "epoll_ctl(eventfd)");
  }
}

EpollLoop::~EpollLoop() {
  ::close(wakeFd_);
  ::close(epoll_);
}

int EpollLoop::add(int fd, std::uint64_t key, std::uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = key;
  return ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) < 0 ? errno : 0;
}

int EpollLoop::modify(int fd, std::uint64_t key, std::uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = key;
  return ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &event) < 0 ? errno : 0;
}

void EpollLoop::remove(int fd) {
  // Failure means the descriptor was never added or is gone already: nothing left to undo.
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
}

void EpollLoop::wake() {
  std::uint64_t one = 1;
  // A full counter (EAGAIN) still wakes the loop, so the result does not matter.
  [[maybe_unused]] auto written = ::write(wakeFd_, &one, sizeof one);
}

const std::vector<EpollLoop::Event>& EpollLoop::wait(std::chrono::milliseconds timeout) {
  std::array<epoll_event, 16> events{};
  ready_.clear();
  int count = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), static_cast<int>(timeout.count()));
  if (count < 0) {
    if (errno == EINTR) return ready_;
    throw std::system_error(errno, std::generic_category(), "epoll_wait");
  }
  for (int i = 0; i < count; ++i) {
    if (events[i].data.u64 == kWakeKey) {
      std::uint64_t value = 0;
      [[maybe_unused]] auto read = ::read(wakeFd_, &value, sizeof value);
      continue;
    }
    ready_.push_back({events[i].data.u64, events[i].events});
  }
  return ready_;
}

}  // namespace spread::plugins::redis
