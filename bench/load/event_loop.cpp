#include "event_loop.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>

namespace spread::bench {
namespace {

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

EventLoop::EventLoop() : epollFd_(epoll_create1(EPOLL_CLOEXEC)) {
  if (epollFd_ < 0) fail("epoll_create1");
}

EventLoop::~EventLoop() { close(epollFd_); }

void EventLoop::add(int fd, std::uint32_t events, EventHandler& handler) {
  epoll_event event{};
  event.events = events;
  event.data.ptr = &handler;
  if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event) != 0) fail("epoll_ctl(ADD)");
}

void EventLoop::modify(int fd, std::uint32_t events, EventHandler& handler) {
  epoll_event event{};
  event.events = events;
  event.data.ptr = &handler;
  if (epoll_ctl(epollFd_, EPOLL_CTL_MOD, fd, &event) != 0) fail("epoll_ctl(MOD)");
}

void EventLoop::remove(int fd) { epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr); }

int EventLoop::runOnce(int timeoutMs) {
  // Many events per wakeup: with a thousand busy subscribers one epoll_wait serves them all.
  epoll_event events[512];
  const int ready = epoll_wait(epollFd_, events, 512, timeoutMs);
  if (ready < 0) {
    if (errno == EINTR) return 0;
    fail("epoll_wait");
  }
  for (int i = 0; i < ready; ++i) static_cast<EventHandler*>(events[i].data.ptr)->onEvents(events[i].events);
  return ready;
}

Timer::Timer(EventLoop& loop, EventHandler& target)
    : loop_(loop), target_(target), fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (fd_ < 0) fail("timerfd_create");
  loop_.add(fd_, EPOLLIN, *this);
}

Timer::~Timer() {
  loop_.remove(fd_);
  close(fd_);
}

void Timer::armAt(std::int64_t atUs) {
  itimerspec spec{};
  // A zero it_value would disarm the timer; one microsecond past the epoch is "already due".
  atUs = atUs < 1 ? 1 : atUs;
  spec.it_value.tv_sec = atUs / 1'000'000;
  spec.it_value.tv_nsec = (atUs % 1'000'000) * 1000;
  if (timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr) != 0) fail("timerfd_settime");
}

void Timer::onEvents(std::uint32_t events) {
  std::uint64_t expirations = 0;
  if (read(fd_, &expirations, sizeof expirations) != sizeof expirations) return;
  target_.onEvents(events);
}

std::int64_t nowUs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

}  // namespace spread::bench
